/**
 * mountOverlay's options, as the kernel gets them: `volatile` when asked,
 * and without it where the kernel refuses the option (EINVAL, before 5.10);
 * any other failure is the error.
 *
 * @module
 */

import { SyscallError } from "../../ffi/errno.ts";
import { assertEquals, assertThrows } from "../_assert.ts";
import { RecordingKernel } from "../_recording_kernel.ts";
import { mountOverlay } from "../../src/rootfs/overlay.ts";

const LAYERS = { lower: "/l1:/l2", upper: "/u", work: "/w" };
const PLAIN = "mount overlay /m overlay 0 lowerdir=/l1:/l2,upperdir=/u,workdir=/w";

/** A kernel whose overlay mounts with `volatile` fail with `errno`. */
class NoVolatileKernel extends RecordingKernel {
  constructor(private readonly errno: number) {
    super();
  }
  override mount(s: string | null, t: string, f: string | null, flags: number, d: string | null) {
    super.mount(s, t, f, flags, d);
    if (d?.endsWith(",volatile")) throw new SyscallError("mount", `overlay on ${t}`, this.errno);
  }
}

Deno.test("overlay: volatile only when asked", () => {
  const k = new RecordingKernel();
  mountOverlay(k, LAYERS, "/m");
  mountOverlay(k, { ...LAYERS, volatile: true }, "/m");
  assertEquals(k.lines(), [PLAIN, `${PLAIN},volatile`]);
});

Deno.test("overlay: a kernel without volatile (EINVAL) gets the plain mount; ENOSPC is the error", () => {
  const old = new NoVolatileKernel(22);
  mountOverlay(old, { ...LAYERS, volatile: true }, "/m");
  assertEquals(old.lines(), [`${PLAIN},volatile`, PLAIN]);
  const full = new NoVolatileKernel(28);
  assertThrows(() => mountOverlay(full, { ...LAYERS, volatile: true }, "/m"), /ENOSPC/);
  assertEquals(full.lines(), [`${PLAIN},volatile`]);
});
