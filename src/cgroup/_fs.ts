/**
 * The file operations the cgroup drivers make, behind one small interface
 * so that the v2 driver can be run against a fake tree that behaves like
 * cgroupfs (tests), plus the helpers both drivers share.
 *
 * The v2 device controller is not a file but an eBPF program attached to
 * the cgroup directory: that is `attachDeviceProgram`.
 *
 * @module
 */

import {
  BPF_CGROUP_DEVICE,
  BPF_F_ALLOW_MULTI,
  BPF_PROG_TYPE_CGROUP_DEVICE,
  O_CLOEXEC,
  O_DIRECTORY,
  O_RDONLY,
  SIGNALS,
} from "../../ffi/constants.ts";
import { Errno, SyscallError } from "../../ffi/errno.ts";
import { bpfLength } from "../../ffi/bpf_length.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { debug } from "../debug.ts";

/** What a cgroup driver does to the filesystem. */
export interface CgroupFs {
  /** The text of an interface file; NotFound if absent. */
  read(path: string): string;
  /** Writes an existing interface file (never creates one). */
  write(path: string, data: string): void;
  /** `write` on a worker thread, for a write the kernel makes wait (cgroup.procs). */
  writeAsync(path: string, data: string): Promise<void>;
  exists(path: string): boolean;
  /** Creates one cgroup directory (the kernel fills its interface files). */
  mkdir(path: string): void;
  /** Removes one cgroup directory; EBUSY while it still has tasks. */
  rmdir(path: string): void;
  /**
   * SIGKILLs every process listed in `dir`/cgroup.procs (a container's own
   * cgroup only); the PIDs signalled.
   */
  killProcesses(dir: string): number[];
  /**
   * Loads a BPF_PROG_TYPE_CGROUP_DEVICE `program` (device_program.ts) and
   * attaches it to cgroup directory `dir` (BPF_F_ALLOW_MULTI: the programs
   * of the ancestors still run, and every one must allow an access).
   */
  attachDeviceProgram(dir: string, program: Uint8Array): void;
}

/** The kernel steps of `attachDeviceProgram`; the attachment lives as long as the cgroup. */
export function attachDeviceProgramWith(kernel: Kernel, dir: string, program: Uint8Array): void {
  debug("cgroup", `bpf BPF_PROG_LOAD cgroup_device (${bpfLength(program)})`);
  const prog = kernel.bpfProgLoad(
    BPF_PROG_TYPE_CGROUP_DEVICE,
    program,
    "Apache-2.0",
    "dgsh_devices",
  );
  try {
    const cgroup = kernel.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    try {
      debug("cgroup", `bpf BPF_PROG_ATTACH BPF_CGROUP_DEVICE BPF_F_ALLOW_MULTI ${dir}`);
      kernel.bpfProgAttach(cgroup, prog, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
    } finally {
      kernel.close(cgroup);
    }
  } finally {
    kernel.close(prog);
  }
}

/** The PIDs listed in `dir`/cgroup.procs; none once the directory is gone. */
function listedPids(dir: string): number[] {
  try {
    return Deno.readTextFileSync(`${dir}/cgroup.procs`).split("\n").filter((l) => l !== "")
      .map(Number);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/**
 * The kernel steps of `killProcesses`. Each process is opened as a pidfd
 * first and signalled only if its PID is still listed afterwards: a PID
 * that exited and was reused by a process outside the cgroup between the
 * read and the open is then either not listed, or the pidfd's process is
 * gone and the signal goes nowhere (ESRCH).
 */
function killProcessesWith(kernel: Kernel, dir: string): number[] {
  const pidfds = new Map<number, number>();
  try {
    for (const pid of listedPids(dir)) {
      try {
        pidfds.set(pid, kernel.pidfdOpen(pid));
      } catch (err) {
        if (!(err instanceof SyscallError && err.errno === Errno.ESRCH)) throw err;
      }
    }
    const still = new Set(listedPids(dir));
    const killed: number[] = [];
    for (const [pid, pidfd] of pidfds) {
      if (!still.has(pid)) continue;
      try {
        kernel.pidfdSendSignal(pidfd, SIGNALS.SIGKILL);
        killed.push(pid);
      } catch (err) {
        if (!(err instanceof SyscallError && err.errno === Errno.ESRCH)) throw err;
      }
    }
    return killed;
  } finally {
    for (const pidfd of pidfds.values()) kernel.close(pidfd);
  }
}

let kernel: Kernel | undefined;

/** The real cgroupfs. */
export const realCgroupFs: CgroupFs = {
  read: (path) => Deno.readTextFileSync(path),
  write: (path, data) => Deno.writeTextFileSync(path, data, { create: false }),
  writeAsync: (path, data) => Deno.writeTextFile(path, data, { create: false }),
  exists: (path) => {
    try {
      Deno.statSync(path);
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  },
  mkdir: (path) => Deno.mkdirSync(path),
  rmdir: (path) => Deno.removeSync(path),
  killProcesses: (dir) => {
    kernel ??= new LinuxKernel();
    return killProcessesWith(kernel, dir);
  },
  attachDeviceProgram: (dir, program) => {
    kernel ??= new LinuxKernel();
    attachDeviceProgramWith(kernel, dir, program);
  },
};

/** The error of a refused write of `value` to `file`, naming both. */
function refused(err: unknown, file: string, value: string | number): Error {
  // Deno's message ends with the call and the path again ("…: writefile '/sys/…'").
  const why = (err instanceof Error ? err.message : String(err)).replace(/: \w+ '[^']*'$/, "");
  return new Error(`cannot write ${JSON.stringify(String(value))} to ${file}: ${why}`, {
    cause: err,
  });
}

/** Writes `value` to `file`, naming both in the error if the kernel refuses. */
export function writeValue(fs: CgroupFs, file: string, value: string | number): void {
  debug("cgroup", `write ${JSON.stringify(String(value))} > ${file}`);
  try {
    fs.write(file, String(value));
  } catch (err) {
    throw refused(err, file, value);
  }
}

/** `writeValue` on a worker thread (CgroupFs.writeAsync). */
export async function writeValueAsync(
  fs: CgroupFs,
  file: string,
  value: string | number,
): Promise<void> {
  debug("cgroup", `write ${JSON.stringify(String(value))} > ${file}`);
  try {
    await fs.writeAsync(file, String(value));
  } catch (err) {
    throw refused(err, file, value);
  }
}

/** The numeric fields of a "key value" file (memory.stat, cpu.stat, memory.events). */
export function readKeyed(fs: CgroupFs, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of fs.read(file).split("\n")) {
    const [key, value] = line.split(" ");
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

/** The PIDs listed in a cgroup.procs file. */
export function readPids(fs: CgroupFs, file: string): number[] {
  return fs.read(file).split("\n").filter((l) => l !== "").map(Number);
}

/** How long a cgroup may take to report itself frozen before `freeze` gives up. */
export const FREEZE_TIMEOUT_MS = 5000;

/**
 * Polls `done` until it holds; false after FREEZE_TIMEOUT_MS. Freezing is
 * asynchronous in both cgroup versions: the write starts it, the state
 * file (v1) or cgroup.events (v2) says when every task has stopped.
 */
export async function pollFrozen(done: () => boolean): Promise<boolean> {
  const deadline = performance.now() + FREEZE_TIMEOUT_MS;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** A file holding one number. */
export function readNumber(fs: CgroupFs, file: string): number {
  return Number(fs.read(file).trim());
}

/**
 * Creates the directories from `base` down through `parts`, calling
 * `prepare(parentDir, dir)` on each (new or not) before going deeper.
 * Returns the directories it created, deepest last.
 */
export function makePath(
  fs: CgroupFs,
  base: string,
  parts: readonly string[],
  prepare: (parent: string, dir: string) => void = () => {},
): string[] {
  const created: string[] = [];
  let dir = base;
  for (const part of parts) {
    const parent = dir;
    dir = `${dir}/${part}`;
    if (!fs.exists(dir)) {
      debug("cgroup", `mkdir ${dir}`);
      try {
        fs.mkdir(dir);
        created.push(dir);
      } catch (err) {
        // Another dockergsh may create the same parent at the same moment.
        if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      }
    }
    prepare(parent, dir);
  }
  return created;
}

/**
 * True for the kernel's EBUSY (a cgroup with tasks or children, or one
 * whose processes forbid passing controllers down). Deno reports it as a
 * plain Error whose code is "EBUSY".
 */
export function isBusy(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "EBUSY";
}

/**
 * True when `err` says the cgroup file is gone: removed before it was
 * opened (NotFound), or between the open and the read, where the kernel
 * answers ENODEV (a plain Error from Deno, "No such device (os error 19)").
 */
export function isRemoved(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound ||
    (err instanceof Error && err.message.includes("(os error 19)"));
}

const DRAIN_TIMEOUT_MS = 2000;
const DRAIN_POLL_MS = 20;

/**
 * Removes a container's own cgroup directory (never a shared parent: every
 * process still in it is killed). rmdir fails with EBUSY while processes
 * are in it: a dying container's tasks that take a moment to leave, or
 * ones left behind (a process the container's init left running when it
 * was orphaned, one an exec started). Those belong to the container by
 * definition, so each EBUSY SIGKILLs whatever cgroup.procs still lists
 * (also what was forked since), and rmdir is retried for up to 2 s.
 * A directory that is already gone is not an error.
 */
export async function removeCgroupDir(fs: CgroupFs, dir: string): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    try {
      debug("cgroup", `rmdir ${dir}`);
      fs.rmdir(dir);
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      if (!isBusy(err) || Date.now() >= deadline) {
        const why = err instanceof Error ? err.message : String(err);
        throw new Error(`cannot remove cgroup ${dir}: ${why}`);
      }
    }
    const killed = fs.killProcesses(dir);
    if (killed.length > 0) debug("cgroup", `SIGKILL left in ${dir}: pids ${killed.join(" ")}`);
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}

/** Removes directories made by `makePath` (deepest first), best effort, on a failed create. */
export function undoCreated(fs: CgroupFs, created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      fs.rmdir(dir);
    } catch (err) {
      debug("cgroup", `cannot remove ${dir} while undoing: ${err}`);
    }
  }
}
