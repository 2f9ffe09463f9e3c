/**
 * The kernel filesystems a container sees after pivot_root: /proc of its own
 * PID namespace, /sys read-only, and a private /dev.
 *
 * @module
 */

import {
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_STRICTATIME,
  S_IFCHR,
} from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";

function ensureDir(path: string, mode = 0o755): void {
  Deno.mkdirSync(path, { recursive: true, mode });
}

/**
 * `root` is where the container's "/" is when they run: "" after pivot_root
 * (/proc, /sys), the merged directory before it (/dev, see init.ts), or a
 * scratch directory in tests.
 */

/** /proc for the container's PID namespace: `ps` inside sees only the container. */
export function mountProc(kernel: Kernel, root = ""): void {
  ensureDir(`${root}/proc`);
  kernel.mount("proc", `${root}/proc`, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV);
}

/** /sys, read-only: the container may look but not reconfigure the host's devices. */
export function mountSys(kernel: Kernel, root = ""): void {
  ensureDir(`${root}/sys`);
  kernel.mount("sysfs", `${root}/sys`, "sysfs", MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV);
}

/** The character devices every container gets (Docker's default set). */
const DEVICES: ReadonlyArray<[name: string, major: number, minor: number]> = [
  ["null", 1, 3],
  ["zero", 1, 5],
  ["full", 1, 7],
  ["random", 1, 8],
  ["urandom", 1, 9],
  ["tty", 5, 0],
];

const DEV_LINKS: ReadonlyArray<[name: string, target: string]> = [
  ["ptmx", "pts/ptmx"],
  ["fd", "/proc/self/fd"],
  ["stdin", "/proc/self/fd/0"],
  ["stdout", "/proc/self/fd/1"],
  ["stderr", "/proc/self/fd/2"],
];

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

/**
 * A tmpfs on /dev holding only the default devices, a private devpts
 * instance (the container cannot reach the host's terminals) and /dev/shm.
 * `devpts`: an instance the parent already made (with the container's
 * terminal in it), bound instead of a fresh one.
 */
export function mountDev(kernel: Kernel, root = "", devpts?: string): void {
  const dev = `${root}/dev`;
  ensureDir(dev);
  kernel.mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  for (const [name, major, minor] of DEVICES) {
    kernel.mknod(`${dev}/${name}`, S_IFCHR | 0o666, major, minor);
    Deno.chmodSync(`${dev}/${name}`, 0o666); // mknod's mode is filtered by the umask
  }
  for (const [name, target] of DEV_LINKS) Deno.symlinkSync(target, `${dev}/${name}`);
  ensureDir(`${dev}/pts`);
  if (devpts) kernel.mount(devpts, `${dev}/pts`, null, MS_BIND);
  else mountDevptsInstance(kernel, `${dev}/pts`);
  ensureDir(`${dev}/shm`, 0o1777);
  kernel.mount(
    "shm",
    `${dev}/shm`,
    "tmpfs",
    MS_NOSUID | MS_NODEV | MS_NOEXEC,
    "mode=1777,size=65536k",
  );
}

/** Bind-mounts the terminal open as `fd` onto /dev/console (through /proc/self/fd). */
export function bindConsole(kernel: Kernel, fd: number, root = ""): void {
  const console = `${root}/dev/console`;
  Deno.writeFileSync(console, new Uint8Array(), { mode: 0o600 });
  kernel.mount(`/proc/self/fd/${fd}`, console, null, MS_BIND);
}
