/**
 * A foreground run whose stderr the user closes midway (`run … 2>&1 |
 * head`) while `--debug` writes to it: every later write fails (EPIPE),
 * and the run still ends as a failed run, undone, not as a crash that
 * leaves its container behind.
 */

import { assertEquals, assertNotEquals } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("run --rm: stderr closed midway under --debug leaves no container", async () => {
  await withRoot(async (root) => {
    for (const lines of [1, 40]) {
      const [cmd, ...args] = root.argv("--debug", "run", "--rm", "busybox", "true");
      const child = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).spawn();
      const reader = child.stderr.getReader();
      let seen = 0;
      while (seen < lines) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value).split("\n").length - 1;
      }
      await reader.cancel();
      const { code } = await child.status;
      assertNotEquals(code, 0, `after ${lines} lines: the run cannot report, so it fails`);
      const ps = await root.run("ps", "-aq");
      assertEquals([ps.code, ps.stdout], [0, ""], `after ${lines} lines: no container left`);
    }
  });
});
