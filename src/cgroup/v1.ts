/**
 * cgroup v1: one hierarchy per controller under the mount root
 * (`/sys/fs/cgroup/memory`, `cpu`, `cpuacct`, `cpuset`, `pids`, `devices`,
 * `freezer`, `blkio`), and in each the container's directory `<parent>/<id>`
 * (blkio for `stats`' BLOCK I/O: its counters are the container's alone).
 *
 * A new cpuset cgroup starts with empty cpuset.cpus/cpuset.mems, and adding
 * a task to it then fails with ENOSPC: every cpuset directory on the way
 * down (intermediate ones included) is filled from its parent.
 *
 * @module
 */

import type { BlkioDevice, BlkioLimits, Resources } from "./resources.ts";
import { debug } from "../debug.ts";
import {
  isRemoved,
  makePath,
  pollFrozen,
  readKeyed,
  readNumber,
  readPids,
  realCgroupFs as fs,
  removeCgroupDir,
  undoCreated,
  writeValue,
  writeValueAsync,
} from "./_fs.ts";
import type { CgroupDriver, CgroupStats, ContainerCgroup } from "./driver.ts";
import { v1DeviceWrites } from "./device_rules_v1.ts";
import { cgroupPathParts } from "./path.ts";

/** The v1 controllers a container cgroup uses. */
export const V1_CONTROLLERS = [
  "memory",
  "cpu",
  "cpuacct",
  "cpuset",
  "pids",
  "devices",
  "freezer",
  "blkio",
] as const;
type Controller = typeof V1_CONTROLLERS[number];

/** v1 reports "no limit" as the largest page-aligned counter, far above 2^62. */
const V1_UNLIMITED = 2 ** 62;

/** The container cgroup as a directory per controller. */
class CgroupV1 implements ContainerCgroup {
  constructor(private readonly dirs: ReadonlyMap<Controller, string>) {}

  get paths(): string[] {
    return [...new Set(this.dirs.values())];
  }

  private dir(ctl: Controller): string {
    const dir = this.dirs.get(ctl);
    if (!dir) throw new Error(`the cgroup v1 ${ctl} controller is not mounted`);
    return dir;
  }

  /** Writes every limit of `r`: done before any process joins. */
  writeLimits(r: Resources): void {
    this.setLimits(r);
    if (r.devices !== undefined) {
      const devices = this.dir("devices");
      for (const { file, value } of v1DeviceWrites(r.devices)) {
        writeValue(fs, `${devices}/${file}`, value);
      }
    }
  }

  setLimits(r: Resources): void {
    if (r.unified !== undefined) throw new Error("cannot use unified on cgroup v1");
    if (r.memory !== undefined || r.memorySwap !== undefined) this.setMemory(r);
    const memory = (file: string) => `${this.dir("memory")}/${file}`;
    if (r.memoryReservation !== undefined) {
      writeKnob(memory("memory.soft_limit_in_bytes"), r.memoryReservation, "memory reservation");
    }
    if (r.memorySwappiness !== undefined) {
      writeKnob(memory("memory.swappiness"), r.memorySwappiness, "memory swappiness");
    }
    if (r.oomKillDisable) writeKnob(memory("memory.oom_control"), 1, "the OOM killer off");
    if (r.blkio !== undefined) this.setBlkio(r.blkio);
    if (r.cpuPeriod !== undefined) {
      writeValue(fs, `${this.dir("cpu")}/cpu.cfs_period_us`, r.cpuPeriod);
    }
    if (r.cpuQuota !== undefined) {
      writeValue(fs, `${this.dir("cpu")}/cpu.cfs_quota_us`, r.cpuQuota);
    }
    if (r.cpuShares !== undefined) writeValue(fs, `${this.dir("cpu")}/cpu.shares`, r.cpuShares);
    const cpu = (file: string) => `${this.dir("cpu")}/${file}`;
    if (r.cpuBurst !== undefined) writeKnob(cpu("cpu.cfs_burst_us"), r.cpuBurst, "cpu burst");
    if (r.cpuIdle !== undefined) writeKnob(cpu("cpu.idle"), r.cpuIdle, "cpu idle");
    // The period first: a runtime is checked against the period there is.
    if (r.cpuRtPeriod !== undefined) {
      writeKnob(cpu("cpu.rt_period_us"), r.cpuRtPeriod, "cpu realtime period");
    }
    if (r.cpuRtRuntime !== undefined) {
      writeKnob(cpu("cpu.rt_runtime_us"), r.cpuRtRuntime, "cpu realtime runtime");
    }
    if (r.cpusetCpus !== undefined) {
      writeValue(fs, `${this.dir("cpuset")}/cpuset.cpus`, r.cpusetCpus);
    }
    if (r.cpusetMems !== undefined) {
      writeValue(fs, `${this.dir("cpuset")}/cpuset.mems`, r.cpusetMems);
    }
    if (r.pidsLimit !== undefined) {
      writeValue(fs, `${this.dir("pids")}/pids.max`, r.pidsLimit < 0 ? "max" : r.pidsLimit);
    }
  }

  /**
   * The memory limit and memory + swap. The kernel keeps memsw at least
   * the limit at every moment: raised first when it grows, last when it
   * shrinks. memory.memsw.* exists only when the kernel accounts swap.
   */
  private setMemory(r: Resources): void {
    const memory = this.dir("memory");
    const memsw = `${memory}/memory.memsw.limit_in_bytes`;
    const swap = r.memorySwap !== undefined && fs.exists(memsw) ? r.memorySwap : undefined;
    const swapFirst = swap !== undefined && (swap === -1 || swap > readNumber(fs, memsw));
    if (swapFirst) writeValue(fs, memsw, swap);
    if (r.memory !== undefined) writeValue(fs, `${memory}/memory.limit_in_bytes`, r.memory);
    if (swap !== undefined && !swapFirst) writeValue(fs, memsw, swap);
  }

  /**
   * Weights and throttles. The weight files are CFQ's (`blkio.weight`) or,
   * on kernels without CFQ (gone since Linux 5.0), BFQ's
   * (`blkio.bfq.weight`); leaf weights were CFQ's alone. A device rule
   * names a whole disk, `MAJ:MIN`, which must exist.
   */
  private setBlkio(b: BlkioLimits): void {
    const dir = this.dir("blkio");
    const bfq = !fs.exists(`${dir}/blkio.weight`) && fs.exists(`${dir}/blkio.bfq.weight`);
    const prefix = bfq ? "blkio.bfq" : "blkio";
    const dev = (d: BlkioDevice) => `${d.major}:${d.minor}`;
    if (b.weight !== undefined) writeKnob(`${dir}/${prefix}.weight`, b.weight, "blkio weight");
    if (b.leafWeight !== undefined) {
      writeKnob(`${dir}/blkio.leaf_weight`, b.leafWeight, "blkio leaf weight");
    }
    for (const d of b.weightDevices ?? []) {
      if (d.weight !== undefined) {
        writeKnob(`${dir}/${prefix}.weight_device`, `${dev(d)} ${d.weight}`, "blkio weight");
      }
      if (d.leafWeight !== undefined) {
        writeKnob(
          `${dir}/blkio.leaf_weight_device`,
          `${dev(d)} ${d.leafWeight}`,
          "blkio leaf weight",
        );
      }
    }
    const throttles = [
      [b.readBps, "read_bps_device"],
      [b.writeBps, "write_bps_device"],
      [b.readIops, "read_iops_device"],
      [b.writeIops, "write_iops_device"],
    ] as const;
    for (const [devices, file] of throttles) {
      for (const d of devices ?? []) {
        writeKnob(`${dir}/blkio.throttle.${file}`, `${dev(d)} ${d.rate}`, "blkio throttle");
      }
    }
  }

  addProcess(pid: number): void {
    for (const dir of this.paths) writeValue(fs, `${dir}/cgroup.procs`, pid);
  }

  async addProcessAsync(pid: number): Promise<void> {
    await Promise.all(this.paths.map((dir) => writeValueAsync(fs, `${dir}/cgroup.procs`, pid)));
  }

  stats(): CgroupStats {
    const memory = this.dir("memory");
    const usage = readNumber(fs, `${memory}/memory.usage_in_bytes`);
    const inactive = readKeyed(fs, `${memory}/memory.stat`).get("total_inactive_file") ?? 0;
    const limit = readNumber(fs, `${memory}/memory.limit_in_bytes`);
    return {
      memoryUsage: Math.max(0, usage - inactive),
      memoryLimit: limit >= V1_UNLIMITED ? Infinity : limit,
      cpuUsageNs: readNumber(fs, `${this.dir("cpuacct")}/cpuacct.usage`),
      pids: this.dirs.has("pids") ? readNumber(fs, `${this.dir("pids")}/pids.current`) : 0,
      ...this.blockIo(),
    };
  }

  /**
   * Bytes read and written, as containerd reads them for Docker: the
   * scheduler's `blkio.io_service_bytes_recursive` where the kernel has it
   * and it counted something, else the throttle layer's (which counts only
   * I/O to a device some rule throttles); zero without a blkio cgroup.
   */
  private blockIo(): { blockRead: number; blockWrite: number } {
    const dir = this.dirs.get("blkio");
    const read = (file: string) => {
      const path = `${dir}/${file}`;
      return dir !== undefined && fs.exists(path) ? blkioBytes(fs.read(path)) : undefined;
    };
    const scheduler = read("blkio.io_service_bytes_recursive");
    const counted = scheduler && scheduler.blockRead + scheduler.blockWrite > 0
      ? scheduler
      : read("blkio.throttle.io_service_bytes_recursive");
    return counted ?? { blockRead: 0, blockWrite: 0 };
  }

  oomKilled(): boolean {
    const control = `${this.dir("memory")}/memory.oom_control`;
    try {
      return (readKeyed(fs, control).get("oom_kill") ?? 0) > 0;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  processes(): number[] {
    return readPids(fs, `${this.paths[0]}/cgroup.procs`);
  }

  async freeze(): Promise<void> {
    const state = `${this.dir("freezer")}/freezer.state`;
    writeValue(fs, state, "FROZEN");
    if (await pollFrozen(() => fs.read(state).trim() === "FROZEN")) return;
    writeValue(fs, state, "THAWED");
    throw new Error(`${state} did not reach FROZEN: a task would not stop`);
  }

  thaw(): void {
    writeValue(fs, `${this.dir("freezer")}/freezer.state`, "THAWED");
  }

  frozen(): boolean {
    const dir = this.dirs.get("freezer");
    if (!dir) return false;
    try {
      return fs.read(`${dir}/freezer.state`).trim() !== "THAWED";
    } catch (err) {
      // Removed with its container (an rm -f racing the exit): nothing is frozen.
      if (isRemoved(err)) return false;
      throw err;
    }
  }

  async destroy(): Promise<void> {
    for (const dir of this.paths) await removeCgroupDir(fs, dir);
  }
}

/** cgroup v1 driver; `mountRoot` holds one mount per controller. */
export class CgroupV1Driver implements CgroupDriver {
  readonly version = "v1";

  constructor(readonly mountRoot = "/sys/fs/cgroup") {}

  /** hierarchies(), found once per driver (the start's create and the exit's open). */
  private found?: ReadonlyMap<Controller, string>;

  /**
   * The mounted controllers and their hierarchy roots. Co-mounted
   * controllers (`cpu,cpuacct` behind two symlinks) share one root. Looked
   * up once (~40 syscalls): the host's controllers stay mounted where they
   * are while a dockergsh process runs.
   */
  private hierarchies(): ReadonlyMap<Controller, string> {
    if (this.found) return this.found;
    const out = new Map<Controller, string>();
    for (const ctl of V1_CONTROLLERS) {
      const root = `${this.mountRoot}/${ctl}`;
      if (fs.exists(root)) out.set(ctl, Deno.realPathSync(root));
    }
    this.found = out;
    return out;
  }

  open(id: string, parent?: string): ContainerCgroup {
    const parts = cgroupPathParts(id, parent).join("/");
    const dirs = new Map<Controller, string>();
    for (const [ctl, root] of this.hierarchies()) dirs.set(ctl, `${root}/${parts}`);
    return new CgroupV1(dirs);
  }

  create(id: string, resources: Resources): ContainerCgroup {
    const parts = cgroupPathParts(id, resources.cgroupParent);
    const hierarchies = this.hierarchies();
    const created: string[] = [];
    try {
      for (const root of new Set(hierarchies.values())) {
        const hasCpuset = hierarchies.get("cpuset") === root;
        created.push(...makePath(fs, root, parts, hasCpuset ? fillCpuset : undefined));
      }
      const dirs = new Map<Controller, string>();
      for (const [ctl, root] of hierarchies) dirs.set(ctl, `${root}/${parts.join("/")}`);
      const cgroup = new CgroupV1(dirs);
      cgroup.writeLimits(resources);
      debug("cgroup", `v1 cgroup ${parts.join("/")} ready`);
      return cgroup;
    } catch (err) {
      undoCreated(fs, created);
      throw err;
    }
  }
}

/** The Read and Write totals of a blkio `*io_service_bytes*` file ("MAJ:MIN Read N" lines). */
export function blkioBytes(text: string): { blockRead: number; blockWrite: number } {
  let blockRead = 0;
  let blockWrite = 0;
  for (const line of text.split("\n")) {
    const [, op, value] = line.trim().split(/\s+/);
    if (op === "Read") blockRead += Number(value);
    else if (op === "Write") blockWrite += Number(value);
  }
  return { blockRead, blockWrite };
}

/**
 * Writes an interface file the kernel may lack (it has no CFQ, no swap
 * accounting…): a missing one is a refusal that says what could not be
 * set, not a bare ENOENT.
 */
function writeKnob(file: string, value: string | number, what: string): void {
  if (!fs.exists(file)) throw new Error(`cannot set ${what}: this kernel has no ${file}`);
  writeValue(fs, file, value);
}

/** Copies the parent's CPUs and memory nodes into an empty cpuset `dir`. */
function fillCpuset(parent: string, dir: string): void {
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    if (fs.read(`${dir}/${file}`).trim() !== "") continue;
    writeValue(fs, `${dir}/${file}`, fs.read(`${parent}/${file}`).trim());
  }
}
