/**
 * What /proc says about a process: alive or not, and its start time, which
 * together identify a process across PID reuse.
 *
 * @module
 */

/**
 * The fields of /proc/<pid>/stat from the third on (state, ppid, …), or
 * undefined when there is no such process.
 */
export function statFields(pid: number | "self"): string[] | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: split after the last ')'.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * starttime (clock ticks after boot, field 22 of /proc/<pid>/stat) of a live
 * process, or undefined when there is no such process or it is a zombie.
 */
export function processStartTime(pid: number): number | undefined {
  if (pid <= 0) return undefined;
  const fields = statFields(pid);
  if (!fields || fields[0] === "Z" || fields[0] === "X") return undefined;
  return Number(fields[19]);
}

/** True when `pid` is alive and is the same process that started at `startTime`. */
export function isSameProcess(pid: number, startTime: number): boolean {
  return pid > 0 && processStartTime(pid) === startTime;
}
