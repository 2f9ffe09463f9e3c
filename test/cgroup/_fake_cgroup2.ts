/**
 * A directory tree that behaves like a cgroup2 mount for the v2 driver:
 * mkdir fills in the interface files of the controllers the parent passes
 * down, subtree_control merges "+ctl -ctl" writes, and the kernel's rules
 * are enforced (no controllers passed down from a non-root cgroup holding
 * processes, no rmdir of a cgroup with tasks or children, no writes to
 * files that are not there).
 *
 * @module
 */

import type { CgroupFs } from "../../src/cgroup/_fs.ts";

const CONTROLLER_FILES: Record<string, Record<string, string>> = {
  memory: {
    "memory.max": "max\n",
    "memory.swap.max": "max\n",
    "memory.low": "0\n",
    "memory.current": "0\n",
    "memory.stat": "anon 0\nfile 0\ninactive_file 0\n",
    "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
  },
  cpu: {
    "cpu.max": "max 100000\n",
    "cpu.weight": "100\n",
    "cpu.max.burst": "0\n",
    "cpu.idle": "0\n",
  },
  cpuset: { "cpuset.cpus": "\n", "cpuset.mems": "\n" },
  pids: { "pids.max": "max\n", "pids.current": "0\n" },
  io: { "io.max": "", "io.weight": "default 100\n", "io.stat": "" },
};

/** The kernel's EBUSY, as Deno reports it: a plain Error with code "EBUSY". */
const busy = () =>
  Object.assign(new Error("Device or resource busy (os error 16)"), { code: "EBUSY" });

const words = (text: string) => text.split(/\s+/).filter((w) => w !== "");

/** A fake cgroup2 tree rooted at a fresh temporary directory. */
export class FakeCgroup2 implements CgroupFs {
  readonly root = Deno.makeTempDirSync({ prefix: "dgsh-test-cgroup2-" });

  /** `controllers`: what the root offers (its cgroup.controllers). */
  constructor(controllers = ["cpuset", "cpu", "io", "memory", "pids"]) {
    this.put(this.root, "cgroup.controllers", controllers.join(" "));
    this.put(this.root, "cgroup.subtree_control", "");
    this.put(this.root, "cgroup.procs", "1\n");
    this.put(this.root, "cpu.stat", "usage_usec 0\n");
  }

  private put(dir: string, name: string, text: string): void {
    Deno.writeTextFileSync(`${dir}/${name}`, text);
  }

  private parentOf(path: string): string {
    return path.replace(/\/[^/]+$/, "");
  }

  read(path: string): string {
    return Deno.readTextFileSync(path);
  }

  exists(path: string): boolean {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  }

  write(path: string, data: string): void {
    if (!this.exists(path)) throw new Deno.errors.NotFound(`No such file: ${path}`);
    const dir = this.parentOf(path);
    const name = path.slice(dir.length + 1);
    const hasProcs = words(this.read(`${dir}/cgroup.procs`)).length > 0;
    if (name === "cgroup.subtree_control") {
      const offered = words(this.read(`${dir}/cgroup.controllers`));
      const enabled = new Set(words(this.read(path)));
      for (const w of words(data)) {
        const ctl = w.slice(1);
        if (!offered.includes(ctl)) throw new Deno.errors.NotFound(`controller ${ctl}`);
        if (dir !== this.root && hasProcs) throw busy();
        if (w[0] === "+") enabled.add(ctl);
        else enabled.delete(ctl);
      }
      this.put(dir, name, offered.filter((c) => enabled.has(c)).join(" ") + "\n");
    } else if (name === "cgroup.procs") {
      if (dir !== this.root && words(this.read(`${dir}/cgroup.subtree_control`)).length > 0) {
        throw busy();
      }
      this.put(dir, name, this.read(path) + `${data.trim()}\n`);
    } else if (name === "cgroup.freeze") {
      // The kernel reports the new state in cgroup.events once every task has stopped.
      this.put(dir, name, `${data.trim()}\n`);
      const populated = words(this.read(`${dir}/cgroup.procs`)).length > 0 ? 1 : 0;
      this.put(dir, "cgroup.events", `populated ${populated}\nfrozen ${data.trim()}\n`);
    } else {
      this.put(dir, name, data);
    }
  }

  writeAsync(path: string, data: string): Promise<void> {
    return new Promise((resolve) => resolve(this.write(path, data)));
  }

  mkdir(path: string): void {
    Deno.mkdirSync(path);
    const passed = words(this.read(`${this.parentOf(path)}/cgroup.subtree_control`));
    this.put(path, "cgroup.controllers", passed.join(" ") + "\n");
    this.put(path, "cgroup.subtree_control", "\n");
    this.put(path, "cgroup.procs", "");
    this.put(path, "cgroup.freeze", "0\n");
    this.put(path, "cgroup.events", "populated 0\nfrozen 0\n");
    this.put(path, "cpu.stat", "usage_usec 0\n");
    for (const ctl of passed) {
      for (const [file, text] of Object.entries(CONTROLLER_FILES[ctl] ?? {})) {
        this.put(path, file, text);
      }
    }
  }

  rmdir(path: string): void {
    if (!this.exists(path)) throw new Deno.errors.NotFound(`No such directory: ${path}`);
    const children = [...Deno.readDirSync(path)].filter((e) => e.isDirectory);
    if (children.length > 0 || words(this.read(`${path}/cgroup.procs`)).length > 0) {
      throw busy();
    }
    Deno.removeSync(path, { recursive: true });
    this.devicePrograms.delete(path);
  }

  /** The PIDs `killProcesses` was asked to kill, in order. */
  readonly killed: number[] = [];

  /**
   * Records the PIDs listed (these are made-up numbers, never signalled);
   * they stay listed, as a process that does not die would.
   */
  killProcesses(dir: string): number[] {
    const pids = words(this.read(`${dir}/cgroup.procs`)).map(Number);
    this.killed.push(...pids);
    return pids;
  }

  /** The device programs attached to each directory, in order. */
  readonly devicePrograms = new Map<string, Uint8Array[]>();

  /** Records the program (a plain directory tree cannot run BPF). */
  attachDeviceProgram(dir: string, program: Uint8Array): void {
    if (!this.exists(`${dir}/cgroup.procs`)) throw new Deno.errors.NotFound(`no cgroup ${dir}`);
    this.devicePrograms.set(dir, [...this.devicePrograms.get(dir) ?? [], program]);
  }

  /** Removes the whole tree. */
  dispose(): void {
    Deno.removeSync(this.root, { recursive: true });
  }
}
