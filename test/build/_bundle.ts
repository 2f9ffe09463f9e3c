/**
 * The bundle `make build` makes of main.ts (`deno bundle --code-splitting`,
 * then build/lazy_imports.sh), for the build's tests.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { MAIN } from "../_harness.ts";

const REPO = new URL("../..", import.meta.url).pathname;

/** Bundles main.ts into `dir` as `make build` does. */
export async function bundleAsMakeBuild(dir: string): Promise<void> {
  const steps: [string, string[]][] = [
    [Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "--code-splitting",
      "--outdir",
      dir,
      MAIN,
    ]],
    [`${REPO}build/lazy_imports.sh`, [dir]],
  ];
  for (const [cmd, args] of steps) {
    const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  }
}
