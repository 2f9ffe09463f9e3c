/**
 * /dev of a container: the device nodes of `linux.devices` (by default
 * Docker's null, zero, full, random, urandom and tty), the standard
 * symlinks, and for a terminal the console. The tmpfs under them and the
 * devpts instance come from `mounts`. Which nodes may be opened is decided
 * by the device cgroup, not here.
 *
 * @module
 */

import { MS_BIND, MS_NOEXEC, MS_NOSUID, S_IFBLK, S_IFCHR, S_IFIFO } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { LinuxDevice } from "../oci/spec.ts";
import { secureJoin } from "./secure_join.ts";

const FILE_TYPE: Readonly<Record<LinuxDevice["type"], number>> = {
  c: S_IFCHR,
  u: S_IFCHR,
  b: S_IFBLK,
  p: S_IFIFO,
};

const DEV_LINKS: ReadonlyArray<[name: string, target: string]> = [
  ["ptmx", "pts/ptmx"],
  ["fd", "/proc/self/fd"],
  ["stdin", "/proc/self/fd/0"],
  ["stdout", "/proc/self/fd/1"],
  ["stderr", "/proc/self/fd/2"],
];

/**
 * mknod each of `devices` inside `rootfs`, with its mode and owner. In a
 * user namespace, where mknod(2) is refused, the host's node at the same
 * path is bind-mounted instead (as runc does), keeping the host's mode and
 * owner: changing them would change the host's node.
 */
export function createDevices(
  kernel: Kernel,
  rootfs: string,
  devices: readonly LinuxDevice[],
  bindHostNodes = false,
): void {
  for (const d of devices) {
    const path = secureJoin(rootfs, d.path);
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (bindHostNodes) {
      Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
      kernel.mount(d.path, path, null, MS_BIND);
      continue;
    }
    const mode = d.fileMode ?? 0o666;
    kernel.mknod(path, FILE_TYPE[d.type] | mode, d.major, d.minor);
    Deno.chmodSync(path, mode); // mknod's mode is filtered by the umask
    if (d.uid !== undefined || d.gid !== undefined) Deno.chownSync(path, d.uid ?? 0, d.gid ?? 0);
  }
}

/** The symlinks every /dev has (`fd`, `stdin`, `ptmx`, …), where the image has none. */
export function createDevLinks(rootfs: string): void {
  for (const [name, target] of DEV_LINKS) {
    const path = `${secureJoin(rootfs, "/dev")}/${name}`;
    try {
      Deno.symlinkSync(target, path);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
}

/** A new devpts instance at `dir`: its own pty numbers, none of the host's terminals. */
export function mountDevptsInstance(kernel: Kernel, dir: string): void {
  kernel.mount(
    "devpts",
    dir,
    "devpts",
    MS_NOSUID | MS_NOEXEC,
    "newinstance,ptmxmode=0666,mode=0620,gid=5",
  );
}

/** Bind-mounts the terminal open as `fd` onto /dev/console (through /proc/self/fd). */
export function bindConsole(kernel: Kernel, fd: number, rootfs: string): void {
  const console = `${secureJoin(rootfs, "/dev")}/console`;
  Deno.writeFileSync(console, new Uint8Array(), { mode: 0o600 });
  kernel.mount(`/proc/self/fd/${fd}`, console, null, MS_BIND);
}
