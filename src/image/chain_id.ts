/**
 * Layer chain IDs, as Docker names a layer stacked on the ones below it
 * (and prints in `rmi` and `image prune`): the bottom layer's is its diff
 * ID, each next one the sha256 of "<chain ID below> <diff ID>".
 *
 * @module
 */

/** The chain IDs of `diffIds` (bottom first). */
export async function chainIds(diffIds: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const below = out.at(-1);
    if (below === undefined) {
      out.push(diffId);
      continue;
    }
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`${below} ${diffId}`),
    );
    out.push(
      `sha256:${
        Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
      }`,
    );
  }
  return out;
}
