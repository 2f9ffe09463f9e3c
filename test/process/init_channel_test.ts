/**
 * The init's channel on the real kernel: the job first, the confinement
 * (the compiled seccomp filter) as its own message before `start`. An init
 * that gets `start` without it exits non-zero and runs nothing; the filter
 * it installs is the one sent.
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { defaultSpec, TestBundle } from "../runtime/_bundle.ts";
import type { DriverResult } from "./_init_parent.ts";

const DRIVER = new URL("./_init_parent.ts", import.meta.url).pathname;

/** Runs the driver's `how` against a fresh busybox root filesystem. */
async function drive(how: string): Promise<{ result: DriverResult; ran: boolean }> {
  const bundle = TestBundle.create(defaultSpec("chan", ["true"]));
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", DRIVER, how, bundle.rootfs, `${bundle.dir}/seccomp`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assertEquals(out.code, 0, dec.decode(out.stderr));
    const result: DriverResult = JSON.parse(dec.decode(out.stdout));
    return { result, ran: exists(`${bundle.rootfs}/ran`) };
  } finally {
    Deno.removeSync(bundle.dir, { recursive: true });
  }
}

Deno.test("init: start without its confinement, or with one lacking the filter, runs nothing", async () => {
  for (const how of ["no-confinement", "no-program"]) {
    const { result, ran } = await drive(how);
    assertEquals(result.failure?.exitCode, 125, `${how}: ${JSON.stringify(result)}`);
    assertStringIncludes(result.failure!.message, "no confinement (seccomp filter) before start");
    assertEquals(result.code, 125, `${how}: the init exits non-zero`);
    assertEquals([ran, result.stdout], [false, ""], `${how}: the command never ran`);
  }
});

Deno.test("init: the seccomp filter installed is the one sent after the job", async () => {
  const { result, ran } = await drive("filter");
  assertEquals([result.failure, result.code], [undefined, 0], JSON.stringify(result));
  assert(ran, "the command ran");
  // The filter sent denies mkdir(2): a filter the init made or found elsewhere would not.
  assertEquals(result.stdout, "refused\nSeccomp:\t2\n", result.stderr);
});
