/**
 * `--debug` output: each kernel step on stderr, as it happens, so a reader
 * can follow a container start call by call. The container init inherits
 * the setting through `DOCKERGSH_DEBUG`. The kernel calls themselves are
 * printed by src/kernel_trace.ts, kept apart so a command that makes none
 * (`ps`) does not load the constants its names come from.
 *
 * @module
 */

let enabled = Deno.env.get("DOCKERGSH_DEBUG") === "1";

/** Turns debug output on (for this process and the inits it starts). */
export function enableDebug(): void {
  enabled = true;
  Deno.env.set("DOCKERGSH_DEBUG", "1");
}

/** True when `--debug` is on. */
export function debugEnabled(): boolean {
  return enabled;
}

const t0 = performance.now();

/** Prints one debug line: `[debug +12.3ms who] message`. */
export function debug(who: string, message: string): void {
  if (!enabled) return;
  const ms = (performance.now() - t0).toFixed(1);
  console.error(`[debug +${ms}ms ${who}] ${message}`);
}
