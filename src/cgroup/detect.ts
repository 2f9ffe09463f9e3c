/**
 * Which cgroup layout the host has, from /proc/self/mountinfo, and which
 * cgroup a process is in, from /proc/<pid>/cgroup.
 *
 * - "v1": controllers mounted one per hierarchy (`/sys/fs/cgroup/memory`, …).
 *   A "hybrid" host (v1 controllers plus an empty cgroup2 at
 *   `/sys/fs/cgroup/unified`) counts as v1: the controllers are all there.
 * - "v2": one unified cgroup2 hierarchy that holds the controllers.
 *
 * @module
 */

/** The host's cgroup layout. */
export interface CgroupLayout {
  version: "v1" | "v2";
  /**
   * v1: the directory holding one mount per controller (`/sys/fs/cgroup`);
   * v2: the cgroup2 mount point.
   */
  mountRoot: string;
}

/** Undoes mountinfo's octal escapes (`\040` for a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
}

/** One cgroup mount: where, which filesystem, and its super options. */
export interface CgroupMount {
  mountPoint: string;
  fsType: "cgroup" | "cgroup2";
  superOptions: string[];
}

/** The cgroup mounts listed in `mountinfo` (text of /proc/<pid>/mountinfo). */
export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!post) continue;
    const [fsType, , superOpts = ""] = post.split(" ");
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    out.push({
      mountPoint: unescape(pre.split(" ")[4]),
      fsType,
      superOptions: superOpts.split(","),
    });
  }
  return out;
}

const V1_CONTROLLERS = ["memory", "cpu", "cpuacct", "cpuset", "pids"];

/**
 * The host's layout from `mountinfo` (default: this process's). `hasControllers`
 * tells whether a cgroup2 mount point holds controllers (its
 * cgroup.controllers is not empty).
 */
export function detectCgroupLayout(
  mountinfo: string = Deno.readTextFileSync("/proc/self/mountinfo"),
  hasControllers: (mountPoint: string) => boolean = cgroup2HasControllers,
): CgroupLayout {
  const mounts = cgroupMounts(mountinfo);
  const memory = mounts.find((m) =>
    m.fsType === "cgroup" && m.superOptions.some((o) => V1_CONTROLLERS.includes(o))
  );
  if (memory) {
    return { version: "v1", mountRoot: memory.mountPoint.replace(/\/[^/]*$/, "") || "/" };
  }
  const unified = mounts.find((m) => m.fsType === "cgroup2" && hasControllers(m.mountPoint));
  if (unified) return { version: "v2", mountRoot: unified.mountPoint };
  throw new Error("no cgroup controllers are mounted (neither cgroup v1 nor cgroup v2)");
}

function cgroup2HasControllers(mountPoint: string): boolean {
  try {
    return Deno.readTextFileSync(`${mountPoint}/cgroup.controllers`).trim() !== "";
  } catch {
    return false;
  }
}

/**
 * The cgroup of a process per controller, from `/proc/<pid>/cgroup`
 * (default: this process's). Co-mounted controllers ("cpu,cpuacct") get
 * one entry each; the v2 unified hierarchy is under the key "".
 */
export function processCgroups(
  procCgroup: string = Deno.readTextFileSync("/proc/self/cgroup"),
): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of procCgroup.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "") out.set("", m[2]);
    for (const ctl of m[1].split(",")) if (ctl !== "") out.set(ctl, m[2]);
  }
  return out;
}
