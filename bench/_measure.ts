/**
 * Whole-process timing for the benchmarks: run a command several times
 * after a warm-up, keep wall-clock samples, report medians. Peers are always
 * measured in the same run, interleaved, so a noisy machine hits both alike.
 *
 * @module
 */

/** Wall-clock milliseconds of one run of `argv`; throws if it fails. */
export async function timeOnce(argv: string[], env?: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "null",
    stderr: "piped",
    env,
  }).output();
  const ms = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(
      `${argv.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return ms;
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A command to time: argv is built per run (e.g. a fresh container name). */
export interface Subject {
  label: string;
  argv: (run: number) => string[];
}

/**
 * Times every subject `runs` times after `warmup` runs each, interleaving
 * them run by run; returns the samples per label.
 */
export async function compare(
  subjects: readonly Subject[],
  runs: number,
  warmup = 3,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(subjects.map((s) => [s.label, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const s of subjects) {
      const ms = await timeOnce(s.argv(i));
      if (i >= warmup) samples.get(s.label)!.push(ms);
    }
  }
  return samples;
}

/** Proportional set size (kB) of `pid`, from /proc/<pid>/smaps_rollup. */
export function pssKb(pid: number): number {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    return Number(text.match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** PIDs whose command line contains every one of `parts`. */
export function pidsMatching(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).replaceAll("\0", " ");
      if (parts.every((p) => cmd.includes(p))) pids.push(Number(e.name));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}
