/**
 * `image prune`: removes the images no container uses: the dangling ones
 * (no tag), or with `all` every one. Reports what Docker's daemon does:
 * per image `untagged: REF` for its tags and repo digests and `deleted:
 * sha256:ID`, then `deleted: CHAIN ID` (src/image/chain_id.ts) for each
 * layer that went with it, and the bytes those layers held.
 *
 * @module
 */

import type { StateRoot } from "../store/paths.ts";
import { chainIds } from "./chain_id.ts";
import { LayerStore, treeSize } from "./layer_store.ts";
import { type ImageRecord, ImageStore } from "./store.ts";

/** What a prune removed. */
export interface PruneReport {
  lines: string[];
  /** Bytes of the layers removed. */
  reclaimed: number;
}

/**
 * Removes the images not in `used` (the IDs containers were made from;
 * `all`: tagged ones too) that `selects` (a `--filter`) keeps; resolves
 * to what went.
 */
export async function pruneImages(
  root: StateRoot,
  all: boolean,
  used: ReadonlySet<string>,
  selects: (image: ImageRecord) => boolean = () => true,
): Promise<PruneReport> {
  const images = new ImageStore(root);
  const layers = new LayerStore(root);
  const report: PruneReport = { lines: [], reclaimed: 0 };
  for (const image of images.list()) {
    if (used.has(image.id) || (!all && image.repoTags.length > 0) || !selects(image)) continue;
    const others = new Set(
      images.list().filter((i) => i.id !== image.id).flatMap((i) => i.layers ?? []),
    );
    const diffIds = image.layers ?? [];
    const chains = await chainIds(diffIds);
    const going = diffIds.map((diffId, i) => ({ diffId, chain: chains[i] }))
      .filter(({ diffId }) => !others.has(diffId) && layers.has(diffId));
    const sizes = going.map(({ diffId }) => treeSize(layers.dir(diffId)));
    images.delete(image.id);
    report.lines.push(
      ...image.repoTags.map((ref) => `untagged: ${ref}`),
      ...(image.repoDigests ?? []).map((ref) => `untagged: ${ref}`),
      `deleted: sha256:${image.id}`,
      ...going.reverse().map(({ chain }) => `deleted: ${chain}`),
    );
    report.reclaimed += sizes.reduce((a, b) => a + b, 0);
  }
  return report;
}
