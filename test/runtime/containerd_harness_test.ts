/**
 * containerd 1.6 drives the built `dockergsh-runc` exactly as it drives
 * runc: the shared harness (../shared/oci/run-containerd.sh, beside the
 * repository) runs its 13 `ctr` scenarios through containerd-shim-runc-v2
 * and must report all passed. The harness installs containerd, ctr and
 * script itself (its setup.sh); `make test` builds the executable and the
 * `dockergsh-runc` link first.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const HARNESS = `${REPO}/../shared/oci/run-containerd.sh`;
const RUNTIME = `${REPO}/dockergsh-runc`;

Deno.test("containerd's shim runs dockergsh-runc through all 13 harness scenarios", async () => {
  for (const [what, path] of [["harness", HARNESS], ["runtime (make build)", RUNTIME]]) {
    try {
      Deno.statSync(path);
    } catch {
      throw new Error(`the ${what} is missing: ${path}`);
    }
  }
  const results = Deno.makeTempDirSync({ prefix: "dgsh-oci-results-" });
  const out = await new Deno.Command("bash", {
    args: [HARNESS, RUNTIME],
    env: { RESULTS_DIR: results, CTR_TIMEOUT: "30" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const last = stdout.trim().split("\n").pop() ?? "";
  if (last !== "13 passed, 0 failed") {
    console.error(stdout, new TextDecoder().decode(out.stderr), `results kept in ${results}`);
  } else {
    Deno.removeSync(results, { recursive: true });
  }
  assertEquals(last, "13 passed, 0 failed");
  assertEquals(out.code, 0);
});
