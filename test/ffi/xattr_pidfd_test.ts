import { SIGNALS } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { assert, assertEquals } from "../_assert.ts";

Deno.test("lgetxattr reads overlay's opaque mark and returns null when there is none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-xattr-" });
  try {
    for (const d of ["lower/d", "upper", "work", "merged"]) {
      Deno.mkdirSync(`${dir}/${d}`, { recursive: true });
    }
    Deno.writeTextFileSync(`${dir}/lower/d/old`, "old");
    // A private mount namespace: the overlay vanishes with the shell.
    const script = `mount -t overlay overlay -o lowerdir=${dir}/lower,upperdir=${dir}/upper,` +
      `workdir=${dir}/work ${dir}/merged && rm -rf ${dir}/merged/d && mkdir ${dir}/merged/d ` +
      `&& echo n > ${dir}/merged/added`;
    const r = await new Deno.Command("unshare", {
      args: ["-m", "--propagation", "private", "sh", "-c", script],
    })
      .output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const kernel = new LinuxKernel();
    assertEquals(
      new TextDecoder().decode(kernel.lgetxattr(`${dir}/upper/d`, "trusted.overlay.opaque")!),
      "y",
    );
    assertEquals(kernel.lgetxattr(`${dir}/upper/added`, "trusted.overlay.opaque"), null);
    let err: unknown;
    try {
      kernel.lgetxattr(`${dir}/upper/missing`, "trusted.overlay.opaque");
    } catch (e) {
      err = e;
    }
    assert(err instanceof SyscallError && err.code === "ENOENT", String(err));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pidfd signals the process it was opened for, and never a later one", async () => {
  const kernel = new LinuxKernel();
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const fd = kernel.pidfdOpen(child.pid);
  try {
    kernel.pidfdSendSignal(fd, SIGNALS.SIGTERM);
    assertEquals((await child.status).signal, "SIGTERM");
    let err: unknown;
    try {
      kernel.pidfdSendSignal(fd, SIGNALS.SIGKILL);
    } catch (e) {
      err = e;
    }
    assert(err instanceof SyscallError && err.code === "ESRCH", String(err));
  } finally {
    kernel.close(fd);
  }
});
