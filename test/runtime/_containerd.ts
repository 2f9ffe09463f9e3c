/**
 * Runs one of the containerd scenario scripts (`_containerd_*.sh`, on top of
 * `_private_containerd.sh`) against the built `dockergsh-runc`: a private
 * containerd 1.6 from the shared harness's packages and image
 * (../shared/oci/setup.sh), in a mount namespace of its own, its tasks'
 * cgroups under the test run's own.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { removeTestCgroupParent, TEST_CGROUP_PARENT } from "../_harness.ts";

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const SETUP = `${REPO}/../shared/oci/setup.sh`;
const IMAGE_TAR = "/var/tmp/dgsh-oci-harness/build/busybox-oci.tar";
const RUNTIME = `${REPO}/dockergsh-runc`;

/** What a scenario printed: its `key value` lines, and all of its output for messages. */
export interface ScenarioResult {
  code: number;
  seen: Map<string, string>;
  why: string;
}

/** Runs `_containerd_<scenario>.sh` with the ctr namespace and cgroup `name`. */
export async function runContainerdScenario(
  scenario: string,
  name: string,
): Promise<ScenarioResult> {
  const setup = await new Deno.Command("bash", { args: [SETUP, "--quiet"], stdin: "null" })
    .output();
  assertEquals(setup.code, 0, new TextDecoder().decode(setup.stderr));
  const script = new URL(`./_containerd_${scenario}.sh`, import.meta.url).pathname;
  const work = Deno.makeTempDirSync({ prefix: `dgsh-ctrd-${scenario}-` });
  try {
    const out = await new Deno.Command("unshare", {
      args: [
        "-m",
        "--propagation",
        "private",
        "bash",
        script,
        RUNTIME,
        IMAGE_TAR,
        work,
        `${TEST_CGROUP_PARENT}/${name}`,
        name,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const seen = new Map(
      text.trim().split("\n").map((l) => {
        const [key, ...rest] = l.split(" ");
        return [key, rest.join(" ")];
      }),
    );
    return { code: out.code, seen, why: `${text}\n${new TextDecoder().decode(out.stderr)}` };
  } finally {
    Deno.removeSync(work, { recursive: true });
    removeTestCgroupParent();
  }
}
