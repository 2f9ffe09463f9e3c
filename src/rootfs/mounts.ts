/**
 * The OCI `mounts` of a container, made inside its root before
 * pivot_root, in the order given: kernel filesystems (proc, sysfs, tmpfs,
 * devpts, mqueue) and bind mounts (volumes, the /etc files). The cgroup
 * tree comes last, once the container has its cgroup namespace. Every
 * destination is resolved with `secureJoin`, since mount(2) follows
 * symlinks and the image chose them.
 *
 * @module
 */

import {
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
} from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { type CgroupMount, cgroupMounts } from "../cgroup/detect.ts";
import type { Mount } from "../oci/spec.ts";
import { parseMountOptions } from "./mount_options.ts";
import { secureJoin } from "./secure_join.ts";

/** Creates the mount point: a directory for a directory source, else an empty file. */
function ensureMountPoint(target: string, directory: boolean): void {
  if (directory) {
    Deno.mkdirSync(target, { recursive: true });
    return;
  }
  Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")) || "/", { recursive: true });
  try {
    Deno.writeFileSync(target, new Uint8Array(), { createNew: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}

/**
 * Sets `propagation` on the mount at `target`. Private is skipped: the init
 * makes the whole tree private first (overlay.ts), and a new mount inside a
 * private tree is private already.
 */
function setPropagation(kernel: Kernel, target: string, propagation: number): void {
  if (propagation === 0 || (propagation & ~MS_REC) === MS_PRIVATE) return;
  kernel.mount(null, target, null, propagation);
}

/** Flags a bind mount can take only on a remount of itself. */
const REMOUNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

/** A bind mount of host path `source`; read-only and the like by a remount, as the kernel needs. */
function bindMount(kernel: Kernel, source: string, target: string, options: string[]): void {
  const opts = parseMountOptions(options);
  ensureMountPoint(target, Deno.statSync(source).isDirectory);
  kernel.mount(source, target, null, MS_BIND | (opts.flags & MS_REC));
  if (opts.flags & REMOUNT_FLAGS) {
    kernel.mount(null, target, null, MS_REMOUNT | MS_BIND | (opts.flags & REMOUNT_FLAGS));
  }
  setPropagation(kernel, target, opts.propagation);
}

/** The host's cgroup mounts and the symlinks beside them (`cpu -> cpu,cpuacct`). */
export interface HostCgroupLayout {
  mounts: CgroupMount[];
  links: Array<[name: string, target: string]>;
}

/**
 * The host's cgroup layout, read while the host's /proc and /sys/fs/cgroup
 * are still in view (before pivot_root).
 */
export function readHostCgroupLayout(): HostCgroupLayout {
  const links: Array<[string, string]> = [];
  for (const entry of Deno.readDirSync("/sys/fs/cgroup")) {
    if (entry.isSymlink) {
      links.push([entry.name, Deno.readLinkSync(`/sys/fs/cgroup/${entry.name}`)]);
    }
  }
  return { mounts: cgroupMounts(Deno.readTextFileSync("/proc/self/mountinfo")), links };
}

/**
 * The cgroup tree at `target` (a path in the container, after pivot_root)
 * for the container's own cgroup namespace: cgroup2 on a unified host; on
 * a v1 (or hybrid) host a tmpfs with each of the host's v1 hierarchies
 * mounted in it, under the same names and with the same co-mount
 * symlinks (a hybrid host's cgroup2 without controllers is left out, as
 * in Docker's containers). Mounted inside a cgroup namespace, each shows
 * the container's cgroup as its root.
 */
export function mountCgroupTree(
  kernel: Kernel,
  target: string,
  options: readonly string[],
  host: HostCgroupLayout,
): void {
  const flags = parseMountOptions(options).flags & REMOUNT_FLAGS;
  Deno.mkdirSync(target, { recursive: true });
  const unified = host.mounts.find((m) =>
    m.fsType === "cgroup2" && m.mountPoint === "/sys/fs/cgroup"
  );
  if (unified) {
    kernel.mount("cgroup2", target, "cgroup2", flags);
    return;
  }
  kernel.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
  for (const m of host.mounts) {
    if (!m.mountPoint.startsWith("/sys/fs/cgroup/")) continue;
    const name = m.mountPoint.slice("/sys/fs/cgroup/".length);
    if (name.includes("/")) continue;
    // A hybrid host's cgroup2 (`unified`, no controllers) is not the
    // container's: Docker's (runc's) tree has the v1 hierarchies only.
    if (m.fsType === "cgroup2") continue;
    Deno.mkdirSync(`${target}/${name}`);
    const data = m.superOptions.filter((o) => o !== "rw" && o !== "ro").join(",");
    kernel.mount("cgroup", `${target}/${name}`, "cgroup", flags, data);
  }
  for (const [name, link] of host.links) Deno.symlinkSync(link, `${target}/${name}`);
  if (flags & MS_RDONLY) {
    kernel.mount(null, target, null, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
  }
}

/** Makes one OCI mount inside `rootfs`. */
export function mountInto(kernel: Kernel, rootfs: string, m: Mount): void {
  const target = secureJoin(rootfs, m.destination);
  const options = m.options ?? [];
  if (m.type === "bind" || options.includes("bind") || options.includes("rbind")) {
    if (!m.source) throw new Error(`bind mount on ${m.destination} has no source`);
    bindMount(kernel, m.source, target, options);
    return;
  }
  if (m.type === "cgroup") {
    throw new Error(`the cgroup tree on ${m.destination} is mounted by mountCgroupTree`);
  }
  const opts = parseMountOptions(options);
  Deno.mkdirSync(target, { recursive: true });
  kernel.mount(m.source ?? m.type ?? "none", target, m.type ?? null, opts.flags, opts.data || null);
  setPropagation(kernel, target, opts.propagation);
}
