/**
 * containerd's pause and resume reach dockergsh-runc: a private containerd
 * 1.6 (the shared harness's packages and image, ../shared/oci/setup.sh)
 * runs a detached task through containerd-shim-runc-v2 with the built
 * `dockergsh-runc` as its runc binary; `ctr task pause` must show PAUSED
 * and freeze the task's process (its counter stands still), `resume`
 * RUNNING again, and a paused task must die of SIGKILL. The task's cgroup
 * is under the test run's own.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { removeTestCgroupParent, TEST_CGROUP_PARENT } from "../_harness.ts";

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const SETUP = `${REPO}/../shared/oci/setup.sh`;
const IMAGE_TAR = "/var/tmp/dgsh-oci-harness/build/busybox-oci.tar";
const SCRIPT = new URL("./_containerd_pause.sh", import.meta.url).pathname;
const RUNTIME = `${REPO}/dockergsh-runc`;

Deno.test("containerd pauses and resumes a task through dockergsh-runc", async () => {
  const setup = await new Deno.Command("bash", { args: [SETUP, "--quiet"], stdin: "null" })
    .output();
  assertEquals(setup.code, 0, new TextDecoder().decode(setup.stderr));
  const work = Deno.makeTempDirSync({ prefix: "dgsh-ctrd-pause-" });
  try {
    const out = await new Deno.Command("unshare", {
      args: [
        "-m",
        "--propagation",
        "private",
        "bash",
        SCRIPT,
        RUNTIME,
        IMAGE_TAR,
        work,
        `${TEST_CGROUP_PARENT}/dgsh-pause`,
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
    const why = `${text}\n${new TextDecoder().decode(out.stderr)}`;
    assertEquals(out.code, 0, why);
    assertEquals(seen.get("started"), "RUNNING", why);
    assertEquals([seen.get("pause-rc"), seen.get("paused")], ["0", "PAUSED"], why);
    const [frozenA, frozenB] = (seen.get("paused-counter") ?? "").split(" ");
    assert(frozenA !== "" && frozenA === frozenB, `a paused task runs on: ${why}`);
    assertEquals([seen.get("resume-rc"), seen.get("resumed")], ["0", "RUNNING"], why);
    const [runA, runB] = (seen.get("resumed-counter") ?? "").split(" ").map(Number);
    assert(runB > runA, `a resumed task stands still: ${why}`);
    assertEquals(seen.get("killed-paused"), "STOPPED", why);
    assertEquals([seen.get("delete-rc"), seen.get("container-delete-rc")], ["0", "0"], why);
  } finally {
    Deno.removeSync(work, { recursive: true });
    removeTestCgroupParent();
  }
});
