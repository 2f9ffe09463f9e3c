/**
 * The `--filter` of `image prune` and `system prune`: `until=TIME`
 * (created before), `label=K[=V]` (each must be there) and `label!=K[=V]`
 * (none may be), as Docker's daemon takes them; any other key is its
 * "Invalid filter" (exit 1).
 *
 * @module
 */

import { type PruneFilter, pruneFilter } from "../container/container_prune.ts";
import type { ImageRecord } from "../image/store.ts";
import { parseEventTime } from "./_time_flag.ts";

/** `specs` parsed, times in milliseconds since the epoch. */
export function parsePruneFilter(specs: readonly string[]): PruneFilter {
  const now = Date.now();
  return pruneFilter(specs, (v) => parseEventTime(v, now) / 1e6);
}

/** Does `labels` satisfy the filter's label tests? */
export function labelsSelected(filter: PruneFilter, labels: Record<string, string>): boolean {
  const has = (spec: string) => {
    const eq = spec.indexOf("=");
    return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
  };
  return filter.labels.every(has) && !filter.notLabels.some(has);
}

/** The images an image prune with `specs` may remove. */
export function imagePruneFilter(specs: readonly string[]): (image: ImageRecord) => boolean {
  const filter = parsePruneFilter(specs);
  return (image) =>
    (filter.until === undefined || Date.parse(image.created) < filter.until) &&
    labelsSelected(filter, image.config?.labels ?? {});
}
