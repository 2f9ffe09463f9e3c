/**
 * Reading container records without the store's writing code (its locks,
 * disk-full handling, names): the IDs that have a record directory, one
 * record as stored, and every record as the kernel sees it. ContainerStore
 * reads through this; `ps` lists through it, so a listing whose records
 * all still hold loads none of the store's modules (measured: 0.5–1 ms of
 * a plain `ps`), and only one that must store a change (a running
 * container's process died) takes the store's way, which does so under
 * the record's lock.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { readJson } from "../store/atomic.ts";
import { FULL_ID } from "../store/ids.ts";
import type { StateRoot } from "../store/paths.ts";
import type { ContainerRecord } from "./record.ts";
import { observe } from "./state.ts";

/** The IDs of all containers with a record directory under `root`. */
export function containerIds(root: StateRoot): string[] {
  const ids: string[] = [];
  try {
    for (const e of Deno.readDirSync(root.containers)) {
      if (e.isDirectory && FULL_ID.test(e.name)) ids.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return ids;
}

/** Where the record of container `id` is stored. */
export function recordPath(root: StateRoot, id: string): string {
  return `${root.container(id)}/config.json`;
}

/**
 * The record of `id` as stored (not reconciled with the kernel), or
 * undefined. Records are replaced atomically, so only a crash can leave
 * one that is not JSON (a new file renamed in place before its data
 * reached the disk): that container is skipped, as one without a record,
 * instead of failing every command that lists containers.
 */
export function readContainerRecord(root: StateRoot, id: string): ContainerRecord | undefined {
  if (!FULL_ID.test(id)) return undefined;
  try {
    return readJson<ContainerRecord>(recordPath(root, id));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    debug("store", `container ${id}: its record is damaged (${err.message}); skipped`);
    return undefined;
  }
}

/**
 * Every container, reconciled with the kernel, as ContainerStore.list
 * gives them: when a record no longer holds, the store lists them all
 * again, storing each change under its record's lock.
 */
export async function listContainerRecords(root: StateRoot): Promise<ContainerRecord[]> {
  const records: ContainerRecord[] = [];
  for (const id of containerIds(root)) {
    const rec = readContainerRecord(root, id);
    if (rec) records.push(rec);
  }
  if (records.every((rec) => observe(rec) === rec)) return records;
  const { ContainerStore } = await import("./store.ts");
  return new ContainerStore(root).list();
}
