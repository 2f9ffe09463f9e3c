/**
 * Networks being created, recorded host-wide so that a dockergsh killed
 * half-way (kill -9, a crash, a reboot is harmless: /run and bridges both
 * go) leaves nothing that outlives it: `/run/dockergsh/creating/<bridge>.json`
 * is written before the bridge is made and removed once the network's record
 * is written, or once its undo has removed the bridge.
 *
 * Both happen under the host-wide `network` lock (src/network/_host_lock.ts),
 * held for the whole creation, and so does the sweep: whoever holds the lock
 * knows that no other dockergsh is between writing an intent and removing
 * it, so every intent it finds is one whose creator died (checked anyway:
 * the creator's pid and start time). For each, the network is whole if its
 * record was written (only the intent goes); else the bridge, its address
 * and every rule tagged with it are removed. /run, not the state root: the
 * bridges are the host's, intents of every root are swept by any root, and a
 * full disk under a root does not stop the sweep.
 *
 * @module
 */

import { removeIfThere } from "../_fs.ts";
import { isSameProcess, processStartTime } from "../process/proc.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import { linkExists } from "./host_network.ts";
import type { NetworkRecord } from "./network_store.ts";

/** Where intents are (beside the host-wide lock files). */
const DIR = "/run/dockergsh/creating";

/** What a creator writes before making its bridge. */
interface Intent {
  /** The network being made (its bridge and subnet are what a sweep removes). */
  net: NetworkRecord;
  /** Where its record will be once the network is whole. */
  record: string;
  pid: number;
  startTime: number;
}

/** Bridge names are `dgsh-` + 8 hex digits: nothing else becomes a path here. */
const BRIDGE = /^dgsh-[0-9a-f]{8}$/;

function intentPath(bridge: string): string {
  if (!BRIDGE.test(bridge)) throw new Error(`invalid bridge name ${JSON.stringify(bridge)}`);
  return `${DIR}/${bridge}.json`;
}

/**
 * Runs `fn`, which makes `net` and writes its record at `record`, with the
 * intent in place. The intent is removed when `fn` succeeds, or fails with
 * the bridge gone; a bridge its undo could not remove keeps the intent, for
 * the next sweep to retry. The caller holds the host-wide `network` lock.
 */
export function withCreationIntent<T>(net: NetworkRecord, record: string, fn: () => T): T {
  const path = intentPath(net.bridge);
  Deno.mkdirSync(DIR, { recursive: true, mode: 0o700 });
  const intent: Intent = { net, record, pid: Deno.pid, startTime: processStartTime(Deno.pid)! };
  writeJsonAtomic(path, intent);
  let done = false;
  try {
    const made = fn();
    done = true;
    return made;
  } finally {
    if (done || !linkExists(net.bridge)) removeIfThere(path);
  }
}

/**
 * Removes what killed creators left: for every intent whose creator is
 * gone and whose record was never written, `remove(net)` (the bridge, its
 * address, its rules), then the intent. The caller holds the host-wide
 * `network` lock. Cheap when there is nothing to do: one readdir of /run.
 */
export function sweepAbandonedCreations(remove: (net: NetworkRecord) => void): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(DIR)];
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const entry of entries) {
    const bridge = entry.name.replace(/\.json$/, "");
    if (!entry.isFile || !BRIDGE.test(bridge)) continue; // a temporary of writeJsonAtomic
    const path = intentPath(bridge);
    let intent: Intent | undefined;
    try {
      intent = readJson<Intent>(path);
    } catch {
      // Written atomically, so never half a file; unreadable is someone else's file.
      continue;
    }
    if (!intent || intent.net?.bridge !== bridge) continue;
    if (isSameProcess(intent.pid, intent.startTime)) continue; // its creator still works on it
    let recorded: NetworkRecord | undefined;
    try {
      recorded = readJson<NetworkRecord>(intent.record);
    } catch {
      recorded = undefined;
    }
    if (recorded?.bridge !== bridge) {
      try {
        remove(intent.net);
      } catch (err) {
        if (err instanceof Error) {
          err.message =
            `${err.message} (while removing network ${intent.net.name}'s bridge ${bridge}, ` +
            `left by dockergsh process ${intent.pid}, which was killed while creating it)`;
        }
        throw err;
      }
    }
    removeIfThere(path);
  }
}
