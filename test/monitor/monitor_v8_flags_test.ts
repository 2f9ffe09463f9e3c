/**
 * The monitor runs with its own V8 flags (src/monitor/client.ts), after
 * any the user gave, as its environment in /proc shows; V8 accepts them
 * (Deno exits at once on a flag V8 does not know, and no container
 * would start).
 */

import { assertEquals } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

/** DENO_V8_FLAGS in the environment of the monitor of the state root `dir`. */
function monitorV8Flags(dir: string): string | undefined {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      const at = argv.indexOf("monitor");
      if (at < 0 || argv[at + 1] !== dir) continue;
      const env = Deno.readTextFileSync(`/proc/${e.name}/environ`).split("\0");
      return env.find((v) => v.startsWith("DENO_V8_FLAGS="))?.slice("DENO_V8_FLAGS=".length);
    } catch {
      // Exited while we looked.
    }
  }
  return undefined;
}

Deno.test("the monitor runs with a 1 MB young generation, after the user's V8 flags", async () => {
  await withRoot(async (root) => {
    const r = await root.runWith(
      { env: { DENO_V8_FLAGS: "--stack-size=900" } },
      "run",
      "-d",
      "busybox",
      "sleep",
      "60",
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(monitorV8Flags(root.dir), "--stack-size=900,--max-semi-space-size=1");
  });
});
