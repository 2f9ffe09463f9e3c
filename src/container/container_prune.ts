/**
 * `container prune`: remove every container that is not running (created
 * or exited), optionally only those created before `until` or carrying
 * given labels (Docker's filters); reports what was removed and the bytes
 * their writable layers held. Shared by `container prune` and `system
 * prune`.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import type { StateRoot } from "../store/paths.ts";
import { deleteContainer } from "./container_delete.ts";
import { writableLayerSize } from "./container_size.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** Which stopped containers to remove. */
export interface PruneFilter {
  /** Only containers created before this time (ms since the epoch). */
  until?: number;
  /** `key` or `key=value`: each must be among the container's labels. */
  labels: string[];
  /** `key` or `key=value`: none may be among the container's labels (`label!=`). */
  notLabels: string[];
}

/** What was removed. */
export interface PruneReport {
  deleted: string[];
  reclaimedBytes: number;
}

/** The labels of a container (none in records made before `--label` existed). */
function labelsOf(record: ContainerRecord): Record<string, string> {
  return (record.config as { labels?: Record<string, string> }).labels ?? {};
}

function hasLabel(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/**
 * The filter `--filter KEY=VALUE` values describe: `until` (as
 * `parseTime` reads it) and `label`/`label!`; any other key is Docker's
 * "Invalid filter" error.
 */
export function pruneFilter(
  specs: readonly string[],
  parseTime: (v: string) => number,
): PruneFilter {
  const filter: PruneFilter = { labels: [], notLabels: [] };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const key = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? "" : spec.slice(eq + 1);
    if (key === "until") filter.until = parseTime(value);
    else if (key === "label") filter.labels.push(value);
    else if (key === "label!") filter.notLabels.push(value);
    else throw new UserError(`Error response from daemon: Invalid filter '${key}'`, 1);
  }
  return filter;
}

function selected(record: ContainerRecord, filter: PruneFilter): boolean {
  if (record.state.status === "running") return false;
  if (filter.until !== undefined && Date.parse(record.created) >= filter.until) return false;
  const labels = labelsOf(record);
  return filter.labels.every((l) => hasLabel(labels, l)) &&
    !filter.notLabels.some((l) => hasLabel(labels, l));
}

/** Removes the stopped containers `filter` selects. */
export async function pruneContainers(
  root: StateRoot,
  kernel: Kernel,
  filter: PruneFilter,
): Promise<PruneReport> {
  const report: PruneReport = { deleted: [], reclaimedBytes: 0 };
  for (const record of new ContainerStore(root).list()) {
    if (!selected(record, filter)) continue;
    const size = writableLayerSize(root, kernel, record);
    try {
      await deleteContainer(root, kernel, record, false);
    } catch (err) {
      // Started again meanwhile: not stopped any more, so not pruned.
      if (err instanceof UserError) continue;
      throw err;
    }
    report.deleted.push(record.id);
    report.reclaimedBytes += size;
  }
  return report;
}
