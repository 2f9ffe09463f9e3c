/**
 * Container records on disk: list, resolve a user's reference (name, full
 * ID or unique ID prefix), create with a unique name, update, delete.
 * Names are reserved under the `containers` lock, so two concurrent `run
 * --name x` cannot both succeed.
 *
 * @module
 */

import { lstatOrUndefined } from "../_fs.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { syncRenameOf, writeJsonAtomic } from "../store/atomic.ts";
import { isNoSpace, unlessDiskFull } from "../store/disk_full.ts";
import { FULL_ID, isValidName } from "../store/ids.ts";
import { withLock } from "../store/lock.ts";
import { randomName } from "../store/names.ts";
import type { StateRoot } from "../store/paths.ts";
import type { ContainerRecord } from "./record.ts";
import { containerIds, readContainerRecord, recordPath } from "./record_reader.ts";
import { observe } from "./state.ts";
import { processStartTime } from "../process/proc.ts";

/**
 * Prefix of a container directory being removed (`.removing-<id>-<pid of
 * the remover>.<its start time>-<random>`); never a valid ID, so never listed.
 */
const REMOVING = ".removing-";

/**
 * The remover's pid and start time in a REMOVING name (no start time in
 * those of the previous version, none of either in older ones): a pid
 * alone may be another process's by now.
 */
const REMOVER = /^\.removing-[0-9a-f]{64}-(\d+)(?:\.(\d+))?-/;

/** Whether the remover a REMOVING name names is still at work. */
function removerAlive(name: string): boolean {
  const remover = REMOVER.exec(name);
  if (!remover) return false;
  const started = processStartTime(Number(remover[1]));
  return started !== undefined && (remover[2] === undefined || String(started) === remover[2]);
}

/**
 * Removes the tree at `path`, which nobody can reach by its old name any
 * more but where a write already under way may still add a file: a few
 * tries, then the error. Gone already (another removal swept it) is done.
 */
function removeTree(path: string): void {
  for (let attempt = 1;; attempt++) {
    try {
      Deno.removeSync(path, { recursive: true });
      return;
    } catch (err) {
      // NotFound may also be one entry another removal took first.
      if (err instanceof Deno.errors.NotFound && !lstatOrUndefined(path)) return;
      if (attempt === 3) throw err;
    }
  }
}

/**
 * removeTree, each entry of `path` walked at once on Deno's blocking
 * threads: a container's tree is a few small directories, each rmdir and
 * unlink a journal update, and ext4 takes them from several threads at
 * once (a removal ~30% faster on this project's busy disk, measured).
 * Whatever one walk could not remove, the last removeTree tries again.
 */
async function removeTreeAtOnce(path: string): Promise<void> {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(path)].map((e) => `${path}/${e.name}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  await Promise.allSettled(entries.map((entry) => Deno.remove(entry, { recursive: true })));
  removeTree(path);
}

/** Docker's CLI exits 1 when the daemon refuses a reference (no such, ambiguous). */
const REFERENCE_ERROR = 1;

function noSuchContainer(ref: string): UserError {
  return new UserError(`Error response from daemon: No such container: ${ref}`, REFERENCE_ERROR);
}

/**
 * The lock a restart under a container's policy holds from its look at the
 * stop mark until its new run is on record (src/monitor/monitor.ts), and a
 * stop takes to set the mark (container_stop.ts): the mark lands either before the restart
 * looks (which then gives up) or after its run is recorded (which the stop
 * then stops). Without it, a `stop` during the restart's start was lost.
 */
export function policyRestartLock(id: string): string {
  return `policy-restart-${id}`;
}

/** The lock a start of container `id` holds from its check of the state until the run is on record. */
export function startLock(id: string): string {
  return `start-${id}`;
}

/** Container records under one state root. */
export class ContainerStore {
  constructor(readonly root: StateRoot) {}

  /** The record of `id` as stored (not reconciled with the kernel), or undefined (readContainerRecord). */
  load(id: string): ContainerRecord | undefined {
    return readContainerRecord(this.root, id);
  }

  /**
   * The record of `id` as the kernel sees it (a running one whose process
   * died is exited), or undefined: unlike `get`, nothing is stored, for a
   * caller about to remove it.
   */
  observed(id: string): ContainerRecord | undefined {
    const rec = this.load(id);
    return rec && observe(rec);
  }

  /** The IDs of all containers with a record. */
  ids(): string[] {
    return containerIds(this.root);
  }

  /**
   * Every container, reconciled with the kernel: a running record whose
   * process died is stored as exited before it is returned.
   */
  list(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of this.ids()) {
      const rec = this.load(id);
      if (rec) out.push(this.reconcile(rec));
    }
    return out;
  }

  /** Resolves a name, full ID or unique ID prefix, or throws UserError. */
  resolve(ref: string): ContainerRecord {
    const all = this.ids();
    if (FULL_ID.test(ref) && all.includes(ref)) return this.get(ref);
    for (const id of all) {
      const rec = this.load(id);
      if (rec?.name === ref) return this.reconcile(rec);
    }
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = all.filter((id) => id.startsWith(ref));
      if (matches.length === 1) return this.get(matches[0]);
      if (matches.length > 1) {
        throw new UserError(
          `Error response from daemon: multiple IDs found with provided prefix: ${ref}`,
          REFERENCE_ERROR,
        );
      }
    }
    throw noSuchContainer(ref);
  }

  /** The record of `id`, reconciled with the kernel. */
  get(id: string): ContainerRecord {
    const rec = this.load(id);
    if (!rec) throw noSuchContainer(id);
    return this.reconcile(rec);
  }

  /**
   * Creates the container directory and record. The name (given or random)
   * is checked and reserved under the `containers` lock.
   */
  create(rec: Omit<ContainerRecord, "name">, name?: string): ContainerRecord {
    if (name !== undefined && !isValidName(name)) {
      throw new UserError(
        `Error response from daemon: Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    const full = withLock(this.root, "containers", () => {
      const taken = new Set(this.ids().map((id) => this.load(id)?.name));
      if (name !== undefined && taken.has(name)) {
        const holder = this.ids().find((id) => this.load(id)?.name === name);
        throw new UserError(
          `Error response from daemon: Conflict. The container name "/${name}" is already in use ` +
            `by container "${holder}". You have to remove (or rename) that container to be able ` +
            "to reuse that name.",
        );
      }
      const full: ContainerRecord = {
        ...rec,
        name: name ?? randomName(taken as Set<string>),
      };
      Deno.mkdirSync(this.root.container(full.id), { recursive: true, mode: 0o700 });
      try {
        writeJsonAtomic(recordPath(this.root, full.id), full, { syncRename: false });
      } catch (err) {
        Deno.removeSync(this.root.container(full.id), { recursive: true });
        throw err;
      }
      return full;
    });
    // Durable whatever the container: its data is fsynced before the
    // rename (a record made anew and lost to a crash before its data is on
    // disk would come back empty), the rename once the name is reserved,
    // so concurrent creates do not wait for one another's directory fsync.
    try {
      syncRenameOf(recordPath(this.root, full.id));
    } catch (err) {
      Deno.removeSync(this.root.container(full.id), { recursive: true });
      throw err;
    }
    return full;
  }

  /**
   * Stores `rec` (atomic replace). The changes of a foreground `--rm` run
   * (running, exited) are not fsynced: the run removes the container when
   * it ends, so a power cut can only lose a state the next command would
   * find wrong anyway (its process is gone); the replace itself stays
   * atomic. That saves such a run two fsyncs, milliseconds each on a busy disk.
   */
  save(rec: ContainerRecord): void {
    const transient = rec.config.autoRemove && !rec.config.detach;
    writeJsonAtomic(recordPath(this.root, rec.id), rec, { durable: !transient });
  }

  /**
   * Applies `fn` to the current record under the record's own lock, so that
   * two processes updating one container do not lose each other's change.
   */
  update(id: string, fn: (rec: ContainerRecord) => ContainerRecord): ContainerRecord {
    // Removed already (a late exit record): taking the lock would make its file again.
    if (!lstatOrUndefined(this.root.container(id))) throw noSuchContainer(id);
    return withLock(this.root, `container-${id}`, () => {
      const stored = this.load(id);
      if (!stored) throw noSuchContainer(id);
      // observe, not reconcile: reconcile takes this same lock, and flock(2)
      // locks taken through two open files of one process block each other.
      const next = fn(observe(stored));
      this.save(next);
      return next;
    });
  }

  /**
   * Removes the record and everything in the container's directory:
   * takeOut, then the tree and the container's lock files.
   */
  delete(id: string): void {
    removeTree(this.takeOut(id));
    this.afterRemoval(id);
  }

  /**
   * Takes container `id` out of the store, under the record's lock, so no
   * update writes into it meanwhile: its directory is renamed out of the
   * way, so that from then on no command finds it by name or ID, and a
   * writer that does not take the lock (the monitor's log index of a run
   * that just exited) finds no directory instead of adding a file to one
   * being emptied, which made the removal fail with ENOTEMPTY. Returns the
   * renamed directory, for `purge`.
   */
  takeOut(id: string): string {
    if (!FULL_ID.test(id)) throw new UserError(`invalid container id: ${id}`);
    return withLock(this.root, `container-${id}`, () => {
      const me = `${Deno.pid}.${processStartTime(Deno.pid)}`;
      const doomed = `${this.root.containers}/${REMOVING}${id}-${me}-${crypto.randomUUID()}`;
      Deno.renameSync(this.root.container(id), doomed);
      return doomed;
    });
  }

  /**
   * Removes what `takeOut(id)` left at `doomed`: the tree (removeTreeAtOnce;
   * no lock is needed, nobody reaches it any more) and the container's lock files.
   */
  async purge(id: string, doomed: string): Promise<void> {
    await removeTreeAtOnce(doomed);
    this.afterRemoval(id);
  }

  /**
   * Removes container `id`'s lock files, and the trees other removals left
   * renamed when they were killed midway (their remover is gone; one still
   * at work is left to it). A leftover that will not go (a mount a killed
   * `run -t` left in it) is left with a debug line: it must not fail this
   * removal, nor every later one.
   */
  private afterRemoval(id: string): void {
    for (const e of Deno.readDirSync(this.root.containers)) {
      if (!e.name.startsWith(REMOVING) || removerAlive(e.name)) continue;
      try {
        removeTree(`${this.root.containers}/${e.name}`);
      } catch (err) {
        debug("store", `${e.name} left: ${err instanceof Error ? err.message : err}`);
      }
    }
    for (const lock of [`container-${id}`, policyRestartLock(id), startLock(id)]) {
      try {
        Deno.removeSync(this.root.lock(lock));
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
  }

  /**
   * The record as the kernel sees it, stored when it changed. Storing it is
   * skipped on a full disk: a read must not need space, and the next read
   * observes the kernel again.
   */
  private reconcile(rec: ContainerRecord): ContainerRecord {
    const seen = observe(rec);
    if (seen === rec) return rec;
    try {
      return withLock(this.root, `container-${rec.id}`, () => {
        // Re-read under the lock: a watcher may have recorded the exit code.
        const fresh = this.load(rec.id) ?? rec;
        const again = observe(fresh);
        if (again !== fresh) unlessDiskFull(`storing ${rec.id}'s exit`, () => this.save(again));
        return again;
      });
    } catch (err) {
      if (isNoSpace(err)) return seen; // not even a lock file could be made
      throw err;
    }
  }
}
