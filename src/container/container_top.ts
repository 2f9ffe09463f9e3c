/**
 * `top`: the processes of a running container, found in its cgroup's
 * `cgroup.procs` (so a process that left the container's PID namespace
 * view, or a forked daemon, is still listed), each described from
 * /proc/<pid> in the columns of `ps -ef`, which is what Docker shows by
 * default: UID PID PPID C STIME TTY TIME CMD (PIDs as the host sees them).
 *
 * @module
 */

import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import { UserError } from "../errors.ts";
import type { ContainerRecord } from "./record.ts";

/** Linux's USER_HZ: /proc times are in these ticks on every architecture Deno runs on. */
const CLOCK_TICKS = 100;

/** The titles of `ps -ef`. */
export const PS_EF_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"];

/** What /proc/<pid>/stat says, fields by their proc(5) names. */
interface ProcStat {
  comm: string;
  ppid: number;
  ttyNr: number;
  utime: number;
  stime: number;
  startTime: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined; // exited since the cgroup was read
  }
  const close = text.lastIndexOf(")");
  const f = text.slice(close + 2).split(" ");
  // f[0] is field 3 (state); field n is f[n - 3].
  return {
    comm: text.slice(text.indexOf("(") + 1, close),
    ppid: Number(f[1]),
    ttyNr: Number(f[4]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    startTime: Number(f[19]),
  };
}

function effectiveUid(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

/** The host's user names by UID (ps names users from the host's passwd, as Docker's does). */
function hostUserNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const [name, , uid] = line.split(":");
      if (name && uid !== undefined && !names.has(Number(uid))) names.set(Number(uid), name);
    }
  } catch {
    // No passwd: numeric UIDs.
  }
  return names;
}

function bootTimeSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/stat");
  return Number(/^btime (\d+)/m.exec(stat)?.[1]);
}

function uptimeSeconds(): number {
  return Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
}

const two = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ps's STIME: "HH:MM" today, "MonDD" this year, else the year. */
export function startTimeCell(started: Date, now: Date): string {
  if (now.getTime() - started.getTime() < 24 * 3600 * 1000 && started.getDate() === now.getDate()) {
    return `${two(started.getHours())}:${two(started.getMinutes())}`;
  }
  if (started.getFullYear() === now.getFullYear()) {
    return `${MONTHS[started.getMonth()]}${two(started.getDate())}`;
  }
  return String(started.getFullYear());
}

/** ps's TIME: cumulative CPU as [DD-]HH:MM:SS. */
export function cpuTimeCell(ticks: number): string {
  let s = Math.floor(ticks / CLOCK_TICKS);
  const days = Math.floor(s / 86400);
  s %= 86400;
  const hms = `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  return days > 0 ? `${days}-${hms}` : hms;
}

/** ps's TTY: "?" without one, pts/N, ttyN, else major/minor. */
export function ttyCell(ttyNr: number): string {
  if (ttyNr === 0) return "?";
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `tty${minor}`;
  return `${major}/${minor}`;
}

/** ps's CMD: the argv, or "[comm]" for a process without one (a kernel thread, a zombie). */
function commandCell(pid: number, comm: string): string {
  try {
    const raw = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    const args = raw.split("\0");
    if (args.at(-1) === "") args.pop();
    if (args.length > 0) return args.join(" ");
  } catch {
    // Gone: as a process without argv.
  }
  return `[${comm}]`;
}

/** The container's PIDs, as its cgroup lists them. */
export function containerPids(record: ContainerRecord): number[] {
  if (record.state.status !== "running") {
    throw new UserError(
      `Error response from daemon: Container ${record.id} is not running`,
      1,
    );
  }
  return openContainerCgroup(record.id, record.config.resources).processes();
}

/** One `ps -ef` row per process of the container, in PID order. */
export function topRows(record: ContainerRecord, now = new Date()): string[][] {
  const users = hostUserNames();
  const boot = bootTimeSeconds();
  const uptime = uptimeSeconds();
  const rows: string[][] = [];
  for (const pid of containerPids(record).sort((a, b) => a - b)) {
    const stat = readStat(pid);
    const uid = effectiveUid(pid);
    if (!stat || uid === undefined) continue;
    const cpuTicks = stat.utime + stat.stime;
    const elapsed = uptime - stat.startTime / CLOCK_TICKS;
    // ps's C: CPU time over elapsed time, in whole percent, at most 99.
    const c = elapsed > 0 ? Math.min(99, Math.floor(cpuTicks / CLOCK_TICKS / elapsed * 100)) : 0;
    const started = new Date((boot + stat.startTime / CLOCK_TICKS) * 1000);
    rows.push([
      users.get(uid) ?? String(uid),
      String(pid),
      String(stat.ppid),
      String(c),
      startTimeCell(started, now),
      ttyCell(stat.ttyNr),
      cpuTimeCell(cpuTicks),
      commandCell(pid, stat.comm),
    ]);
  }
  return rows;
}
