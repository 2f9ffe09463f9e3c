/**
 * `history`: an image's build steps, newest first, as Docker's daemon
 * lists them: one row per entry of the config's `history`, with the size
 * of the layer the step made (0 for an `empty_layer` step). The newest row
 * carries the image's ID and each older row its next ancestor's (the
 * `Parent` a `commit` records) while there is one; the rest are
 * `<missing>`, as for a pulled image. An image stored without a config blob
 * has one row per layer.
 *
 * @module
 */

import { parseConfigBlob } from "./image_config.ts";
import { LayerStore, treeSize } from "./layer_store.ts";
import type { ImageStore } from "./store.ts";

/** One row of `history`. */
export interface HistoryRow {
  /** `sha256:<id>`, or `<missing>`. */
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
}

/** The history of the image `ref` names, newest first. */
export function imageHistory(images: ImageStore, ref: string): HistoryRow[] {
  const image = images.resolve(ref);
  const layers = new LayerStore(images.root);
  const diffIds = image.layers ?? [];
  const blob = images.configBlob(image.id);
  const entries = blob ? parseConfigBlob(blob).history ?? [] : diffIds.map(() => ({
    created: image.created,
    comment: image.comment,
  }));
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const h of entries) {
    const empty = "empty_layer" in h && h.empty_layer === true;
    const diffId = empty ? undefined : diffIds[layer++];
    rows.unshift({
      id: "<missing>",
      created: h.created ?? image.created,
      createdBy: ("created_by" in h ? h.created_by : undefined) ?? "",
      size: diffId && layers.has(diffId) ? treeSize(layers.dir(diffId)) : 0,
      comment: h.comment ?? "",
    });
  }
  let current: typeof image | undefined = image;
  for (const row of rows) {
    if (!current) break;
    row.id = `sha256:${current.id}`;
    current = current.parent ? images.find(current.parent) : undefined;
  }
  return rows;
}
