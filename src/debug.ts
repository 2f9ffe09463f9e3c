/**
 * `--debug` output: each kernel step on stderr, as it happens, so a reader
 * can follow a container start call by call. The container init inherits
 * the setting through `DOCKERGSH_DEBUG`.
 *
 * @module
 */

import type { Kernel } from "../ffi/kernel.ts";

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

function show(arg: unknown): string {
  if (arg instanceof Uint8Array) return `<${arg.length} bytes>`;
  if (typeof arg === "string") return JSON.stringify(arg);
  if (typeof arg === "number" && arg > 0xffff) return `0x${arg.toString(16)}`;
  return JSON.stringify(arg) ?? String(arg);
}

/**
 * `kernel` with every call printed before it is made. Returned as is when
 * debug output is off, so the hot path pays nothing.
 */
export function traced(kernel: Kernel, who: string): Kernel {
  if (!enabled) return kernel;
  return new Proxy(kernel, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        debug(who, `${String(prop)}(${args.map(show).join(", ")})`);
        return value.apply(target, args);
      };
    },
  });
}
