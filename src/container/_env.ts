/**
 * Environment lists (`KEY=value` entries) merged the way Docker layers
 * them: a later entry replaces an earlier one with the same key, in place.
 *
 * @module
 */

/** `base` with every entry of `over` applied on top. */
export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const env = new Map<string, string>();
  for (const entry of [...base, ...over]) {
    const eq = entry.indexOf("=");
    env.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  }
  return [...env.values()];
}
