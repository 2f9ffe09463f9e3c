/**
 * The volumes a container mounts: made on first use when it is created
 * (`-v NAME:/path`, `-v /path`, `--mount type=volume`), counted from the
 * container records, removed with it for anonymous ones (`rm -v`).
 *
 * @module
 */

import { VolumeStore } from "../volume/store.ts";
import type { StateRoot } from "../store/paths.ts";
import type { BindMount, ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** IDs of the containers whose records mount volume `name`. */
export function containersUsingVolume(root: StateRoot, name: string): string[] {
  const store = new ContainerStore(root);
  return store.ids().filter((id) =>
    store.load(id)?.config.binds.some((b) => b.volume === name) ?? false
  );
}

/**
 * `binds` with each volume made when missing (a new name for an anonymous
 * one) and its directory as the source; `made` names the volumes this call
 * made, for `dropVolumes` when the container is not made after all. The
 * caller holds the volumes lock until the record that mounts them is written.
 */
export function resolveVolumes(
  root: StateRoot,
  binds: readonly BindMount[],
  labels: Record<string, Record<string, string>> = {},
): { binds: BindMount[]; made: string[] } {
  const volumes = new VolumeStore(root);
  const made: string[] = [];
  try {
    const resolved = binds.map((b) => {
      if (b.volume === undefined && !b.anonymous) return b;
      const existed = b.volume !== undefined && volumes.load(b.volume) !== undefined;
      const rec = volumes.ensure(b.volume, b.volume ? labels[b.volume] ?? null : null, b.anonymous);
      if (!existed) made.push(rec.name);
      return { ...b, volume: rec.name, source: volumes.dataPath(rec.name) };
    });
    return { binds: resolved, made };
  } catch (err) {
    dropVolumes(root, made);
    throw err;
  }
}

/** Removes volumes `resolveVolumes` made for a container that was not made (under the volumes lock). */
export function dropVolumes(root: StateRoot, names: readonly string[]): void {
  const volumes = new VolumeStore(root);
  for (const name of names) volumes.removeUnlocked(name);
}

/** Removes `record`'s anonymous volumes that no other container mounts (`rm -v`). */
export function removeAnonymousVolumes(root: StateRoot, record: ContainerRecord): void {
  const volumes = new VolumeStore(root);
  for (const b of record.config.binds) {
    if (!b.anonymous || b.volume === undefined || !volumes.load(b.volume)) continue;
    volumes.remove(
      b.volume,
      (name) => containersUsingVolume(root, name).filter((id) => id !== record.id),
    );
  }
}
