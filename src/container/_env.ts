/**
 * Environment lists (`KEY=value` entries) merged the way Docker layers
 * them: a later entry replaces an earlier one with the same key, in place.
 *
 * @module
 */

import { DEFAULT_PATH } from "../process/lookup.ts";
import type { ContainerConfig } from "./record.ts";

/** `base` with every entry of `over` applied on top. */
export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const env = new Map<string, string>();
  for (const entry of [...base, ...over]) {
    const eq = entry.indexOf("=");
    env.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  }
  return [...env.values()];
}

/**
 * The environment the container's process starts with: PATH's default,
 * HOSTNAME (and TERM with a terminal), then Config.Env over them. HOME is
 * the init's to add, from the user's passwd entry, as Docker does.
 */
export function runtimeEnv(config: ContainerConfig): string[] {
  const defaults = [`HOSTNAME=${config.hostname}`, ...(config.tty ? ["TERM=xterm"] : [])];
  return mergeEnv(mergeEnv([`PATH=${DEFAULT_PATH}`], defaults), config.env);
}
