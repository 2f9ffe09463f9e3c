/**
 * Helpers shared by the container tests (lifecycle, exec, commit, cp,
 * health) and the volume tests that run containers.
 *
 * @module
 */

import { processStartTime } from "../../src/process/proc.ts";
import { assertEquals, assertMatch } from "../_assert.ts";
import { type CliResult, eventually, type TestRoot } from "../_harness.ts";

/** Docker's zero time, for a run that has not finished. */
export const NEVER = "0001-01-01T00:00:00Z";

/** `inspect REF` parsed: the one object of its array. */
// deno-lint-ignore no-explicit-any
export async function inspect(root: TestRoot, ref: string): Promise<Record<string, any>> {
  const r = await root.run("inspect", ref);
  assertEquals(r.code, 0, r.stderr);
  const all = JSON.parse(r.stdout);
  assertEquals(all.length, 1);
  return all[0];
}

/** Docker's State.Health of an inspected container (absent without a health check). */
// deno-lint-ignore no-explicit-any
export type InspectedHealth = Record<string, any> | undefined;

/**
 * Waits until the State.Health that `inspect REF` shows meets `cond` (for
 * up to `ms`: the tests' probes run a second apart), and returns it.
 */
export async function healthWhen(
  root: TestRoot,
  ref: string,
  cond: (health: InspectedHealth) => boolean,
  ms = 6000,
): Promise<NonNullable<InspectedHealth>> {
  let health: InspectedHealth;
  await eventually(async () => cond(health = (await inspect(root, ref)).State.Health), ms);
  return health!;
}

/** Waits until `cmd` succeeds in the running container `name`: what its command sets up is done. */
export async function untilInside(root: TestRoot, name: string, ...cmd: string[]): Promise<void> {
  await eventually(async () => (await root.run("exec", name, ...cmd)).code === 0);
}

/** The full ID printed by a successful `run -d` or `create`. */
export function started(r: CliResult): string {
  assertEquals(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assertMatch(id, /^[0-9a-f]{64}$/);
  return id;
}

/** True while `pid` is the process that started at `startTime`. */
export function alive(pid: number, startTime: number): boolean {
  return processStartTime(pid) === startTime;
}

/** Host PIDs whose argv is exactly `argv`. */
export function hostPidsRunning(argv: string[]): number[] {
  const want = argv.join("\0") + "\0";
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/cmdline`) === want) out.push(Number(e.name));
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

/** The PID of the monitor serving `root`, from /proc (its argv ends in `monitor <root>`). */
export function monitorPid(root: TestRoot): number | undefined {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    let argv: string[];
    try {
      argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
    } catch {
      continue;
    }
    const i = argv.indexOf("monitor");
    if (i >= 0 && argv[i + 1] === root.dir) return Number(e.name);
  }
  return undefined;
}

/** A failure says one line on stderr. */
export function oneLine(r: CliResult, what: string): void {
  assertEquals(r.stderr.trim().split("\n").length, 1, `${what}: one line: ${r.stderr}`);
}
