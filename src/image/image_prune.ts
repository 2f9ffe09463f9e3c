/**
 * `image prune`: removes the images no container uses: the dangling ones
 * (no tag), or with `all` every one. Reports what Docker's daemon does:
 * per image `untagged: REF` for its tags and repo digests and `deleted:
 * sha256:ID`, then `deleted: sha256:CHAIN` for each layer that went with it
 * (a layer's chain ID: its diff ID for the bottom one, else the sha256 of
 * "<chain ID below> <diff ID>"), and the bytes those layers held.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ContainerStore } from "../container/store.ts";
import type { StateRoot } from "../store/paths.ts";
import { LayerStore, treeSize } from "./layer_store.ts";
import { ImageStore } from "./store.ts";

/** What a prune removed. */
export interface PruneReport {
  lines: string[];
  /** Bytes of the layers removed. */
  reclaimed: number;
}

/** The chain IDs of `diffIds` (bottom first). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const below = out.at(-1);
    out.push(
      below === undefined
        ? diffId
        : `sha256:${createHash("sha256").update(`${below} ${diffId}`).digest("hex")}`,
    );
  }
  return out;
}

/** Removes the unused images (`all`: tagged ones too); resolves to what went. */
export function pruneImages(root: StateRoot, all: boolean): PruneReport {
  const images = new ImageStore(root);
  const layers = new LayerStore(root);
  const used = new Set(new ContainerStore(root).list().map((c) => c.config.imageId));
  const report: PruneReport = { lines: [], reclaimed: 0 };
  for (const image of images.list()) {
    if (used.has(image.id) || (!all && image.repoTags.length > 0)) continue;
    const others = new Set(
      images.list().filter((i) => i.id !== image.id).flatMap((i) => i.layers ?? []),
    );
    const diffIds = image.layers ?? [];
    const chains = chainIds(diffIds);
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
