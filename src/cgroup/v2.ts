/**
 * cgroup v2: one unified hierarchy; the container's cgroup is
 * `<mount>/<parent>/<id>`.
 *
 * A controller's files appear in a cgroup only once its parent lists the
 * controller in cgroup.subtree_control, so every ancestor from the mount
 * root down enables the controllers it is offered (cgroup.controllers).
 * The kernel's "no internal processes" rule forbids that in a non-root
 * cgroup that holds processes itself: the intermediate directories never
 * get a process, only the leaf does.
 *
 * Device rules are an eBPF program (device_program.ts) attached to the
 * leaf before any process joins it.
 *
 * @module
 */

import type { BlkioDevice, BlkioLimits, Resources } from "./resources.ts";
import { debug } from "../debug.ts";
import {
  type CgroupFs,
  isBusy,
  makePath,
  pollFrozen,
  readKeyed,
  readNumber,
  readPids,
  realCgroupFs,
  removeCgroupDir,
  undoCreated,
  writeValue,
  writeValueAsync,
} from "./_fs.ts";
import type { CgroupDriver, CgroupStats, ContainerCgroup } from "./driver.ts";
import { deviceProgram } from "./device_program.ts";
import { cgroupPathParts } from "./path.ts";
import { sharesToWeight } from "./units.ts";

/**
 * The controllers a container cgroup uses (enabled where the host offers
 * them); `io` besides for one with block I/O limits.
 */
const CONTROLLERS = ["cpuset", "cpu", "memory", "pids"];

/** The container cgroup: one directory. */
class CgroupV2 implements ContainerCgroup {
  constructor(private readonly fs: CgroupFs, private readonly dir: string) {}

  get paths(): string[] {
    return [this.dir];
  }

  setLimits(r: Resources): void {
    // Refused before anything is written. v2 has no per-cgroup swappiness,
    // no realtime bandwidth, no leaf weights and no switch for the OOM
    // killer (`oomKillDisable` is ignored: the runtime warns).
    if (r.memorySwappiness !== undefined) {
      throw new Error("cannot set memory swappiness: cgroup v2 has no memory.swappiness");
    }
    if (r.blkio?.leafWeight !== undefined || r.blkio?.weightDevices?.some((d) => d.leafWeight)) {
      throw new Error("cannot set blkio leaf weight: cgroup v2 has no leaf weights");
    }
    if (r.blkio !== undefined && !this.fs.exists(`${this.dir}/io.max`)) {
      throw new Error(
        `cannot set block I/O limits: the io controller is not enabled in ${this.dir}`,
      );
    }
    for (const name of Object.keys(r.unified ?? {})) {
      // A file of this cgroup's own, never a path out of it.
      if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(name)) {
        throw new Error(`unified resource ${JSON.stringify(name)} must be CONTROLLER.FILE`);
      }
    }
    if (r.cpuRtPeriod !== undefined || r.cpuRtRuntime !== undefined) {
      throw new Error("cannot set realtime CPU bandwidth: cgroup v2 has no cpu.rt_* files");
    }
    const file = (name: string) => `${this.dir}/${name}`;
    const max = (n: number) => n < 0 ? "max" : n;
    if (r.memory !== undefined) {
      writeValue(this.fs, file("memory.max"), max(r.memory));
      // Docker's --memory-swap counts memory plus swap; v2 limits swap alone.
      // memory.swap.max exists only when the kernel accounts swap.
      if (r.memorySwap !== undefined && this.fs.exists(file("memory.swap.max"))) {
        const swap = r.memorySwap < 0 || r.memory < 0 ? "max" : r.memorySwap - r.memory;
        writeValue(this.fs, file("memory.swap.max"), swap);
      }
    }
    if (r.memoryReservation !== undefined) {
      writeValue(this.fs, file("memory.low"), max(r.memoryReservation));
    }
    if (r.cpuQuota !== undefined || r.cpuPeriod !== undefined) {
      // "QUOTA [PERIOD]": without a period the kernel keeps the one it has;
      // a period alone goes with the quota there is.
      const quota = r.cpuQuota === undefined
        ? this.fs.read(file("cpu.max")).trim().split(" ")[0]
        : max(r.cpuQuota);
      const period = r.cpuPeriod === undefined ? "" : ` ${r.cpuPeriod}`;
      writeValue(this.fs, file("cpu.max"), `${quota}${period}`);
    }
    if (r.cpuShares !== undefined) {
      writeValue(this.fs, file("cpu.weight"), sharesToWeight(r.cpuShares));
    }
    if (r.cpuBurst !== undefined) writeValue(this.fs, file("cpu.max.burst"), r.cpuBurst);
    if (r.cpuIdle !== undefined) writeValue(this.fs, file("cpu.idle"), r.cpuIdle);
    if (r.cpusetCpus !== undefined) writeValue(this.fs, file("cpuset.cpus"), r.cpusetCpus);
    if (r.cpusetMems !== undefined) writeValue(this.fs, file("cpuset.mems"), r.cpusetMems);
    if (r.pidsLimit !== undefined) writeValue(this.fs, file("pids.max"), max(r.pidsLimit));
    if (r.blkio !== undefined) this.setIo(r.blkio);
    for (const [name, value] of Object.entries(r.unified ?? {})) {
      if (!this.fs.exists(file(name))) {
        throw new Error(
          `unified resource ${JSON.stringify(name)} can't be set: ${this.dir} has no such file ` +
            `(its controller is not enabled, or the kernel lacks it)`,
        );
      }
      writeValue(this.fs, file(name), value);
    }
  }

  /**
   * Block I/O on the io controller: weights in BFQ's `io.bfq.weight`
   * (blkio's 10-1000 as they are) where the kernel has BFQ, else in
   * `io.weight` (scaled to its 1-10000, as runc does); throttles as
   * `io.max` lines, one key per write.
   */
  private setIo(b: BlkioLimits): void {
    const file = (name: string) => `${this.dir}/${name}`;
    const bfq = this.fs.exists(file("io.bfq.weight"));
    const weight = (w: number) => bfq ? w : 1 + Math.floor((w - 10) * 9999 / 990);
    const weightFile = file(bfq ? "io.bfq.weight" : "io.weight");
    const dev = (d: BlkioDevice) => `${d.major}:${d.minor}`;
    if (b.weight !== undefined) writeValue(this.fs, weightFile, `default ${weight(b.weight)}`);
    for (const d of b.weightDevices ?? []) {
      if (d.weight !== undefined) writeValue(this.fs, weightFile, `${dev(d)} ${weight(d.weight)}`);
    }
    const throttles = [
      [b.readBps, "rbps"],
      [b.writeBps, "wbps"],
      [b.readIops, "riops"],
      [b.writeIops, "wiops"],
    ] as const;
    for (const [devices, key] of throttles) {
      for (const d of devices ?? []) {
        // 0 lifts the limit, as blkio's throttle files take it.
        writeValue(this.fs, file("io.max"), `${dev(d)} ${key}=${d.rate === 0 ? "max" : d.rate}`);
      }
    }
  }

  addProcess(pid: number): void {
    writeValue(this.fs, `${this.dir}/cgroup.procs`, pid);
  }

  addProcessAsync(pid: number): Promise<void> {
    return writeValueAsync(this.fs, `${this.dir}/cgroup.procs`, pid);
  }

  stats(): CgroupStats {
    const usage = readNumber(this.fs, `${this.dir}/memory.current`);
    const inactive = readKeyed(this.fs, `${this.dir}/memory.stat`).get("inactive_file") ?? 0;
    const max = this.fs.read(`${this.dir}/memory.max`).trim();
    const usageUsec = readKeyed(this.fs, `${this.dir}/cpu.stat`).get("usage_usec") ?? 0;
    return {
      memoryUsage: Math.max(0, usage - inactive),
      memoryLimit: max === "max" ? Infinity : Number(max),
      cpuUsageNs: usageUsec * 1000,
      pids: readNumber(this.fs, `${this.dir}/pids.current`),
      ...this.blockIo(),
    };
  }

  /** rbytes and wbytes of io.stat, summed over devices; zero where the io controller is off. */
  private blockIo(): { blockRead: number; blockWrite: number } {
    const path = `${this.dir}/io.stat`;
    let blockRead = 0;
    let blockWrite = 0;
    if (!this.fs.exists(path)) return { blockRead, blockWrite };
    for (const m of this.fs.read(path).matchAll(/\b([rw])bytes=(\d+)/g)) {
      if (m[1] === "r") blockRead += Number(m[2]);
      else blockWrite += Number(m[2]);
    }
    return { blockRead, blockWrite };
  }

  oomKilled(): boolean {
    try {
      return (readKeyed(this.fs, `${this.dir}/memory.events`).get("oom_kill") ?? 0) > 0;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  processes(): number[] {
    return readPids(this.fs, `${this.dir}/cgroup.procs`);
  }

  async freeze(): Promise<void> {
    writeValue(this.fs, `${this.dir}/cgroup.freeze`, 1);
    const events = `${this.dir}/cgroup.events`;
    if (await pollFrozen(() => readKeyed(this.fs, events).get("frozen") === 1)) return;
    writeValue(this.fs, `${this.dir}/cgroup.freeze`, 0);
    throw new Error(`${events} did not report frozen: a task would not stop`);
  }

  thaw(): void {
    writeValue(this.fs, `${this.dir}/cgroup.freeze`, 0);
  }

  frozen(): boolean {
    const file = `${this.dir}/cgroup.freeze`;
    return this.fs.exists(file) && this.fs.read(file).trim() === "1";
  }

  destroy(): Promise<void> {
    return removeCgroupDir(this.fs, this.dir);
  }
}

/** cgroup v2 driver on the unified hierarchy mounted at `mountRoot`. */
export class CgroupV2Driver implements CgroupDriver {
  readonly version = "v2";

  /** `fs` replaces the real cgroupfs (tests run the driver on a fake tree). */
  constructor(
    readonly mountRoot = "/sys/fs/cgroup",
    private readonly fs: CgroupFs = realCgroupFs,
  ) {}

  open(id: string, parent?: string): ContainerCgroup {
    return new CgroupV2(this.fs, `${this.mountRoot}/${cgroupPathParts(id, parent).join("/")}`);
  }

  create(id: string, resources: Resources): ContainerCgroup {
    const parts = cgroupPathParts(id, resources.cgroupParent);
    const leaf = `${this.mountRoot}/${parts.join("/")}`;
    // Built first: rules that are not valid fail before anything is made.
    const devices = resources.devices && deviceProgram(resources.devices);
    const created: string[] = [];
    // The io controller only for a container with block I/O limits.
    const wanted = resources.blkio ? [...CONTROLLERS, "io"] : CONTROLLERS;
    try {
      this.enableControllers(this.mountRoot, wanted);
      created.push(...makePath(this.fs, this.mountRoot, parts, (_, dir) => {
        if (dir !== leaf) this.enableControllers(dir, wanted);
      }));
      if (devices) this.fs.attachDeviceProgram(leaf, devices);
      const cgroup = new CgroupV2(this.fs, leaf);
      cgroup.setLimits(resources);
      debug("cgroup", `v2 cgroup ${parts.join("/")} ready`);
      return cgroup;
    } catch (err) {
      undoCreated(this.fs, created);
      throw err;
    }
  }

  /** Enables in `dir`'s subtree_control the `wanted` controllers it is offered. */
  private enableControllers(dir: string, wanted: readonly string[]): void {
    const words = (file: string) => this.fs.read(`${dir}/${file}`).trim().split(/\s+/);
    const offered = words("cgroup.controllers");
    const enabled = words("cgroup.subtree_control");
    const missing = wanted.filter((c) => offered.includes(c) && !enabled.includes(c));
    if (missing.length === 0) return;
    try {
      writeValue(this.fs, `${dir}/cgroup.subtree_control`, missing.map((c) => `+${c}`).join(" "));
    } catch (err) {
      if (!(err instanceof Error && isBusy(err.cause))) throw err;
      throw new Error(
        `${err.message} (a cgroup v2 directory that holds processes cannot pass controllers down: ` +
          `choose a --cgroup-parent whose ancestors hold none)`,
      );
    }
  }
}
