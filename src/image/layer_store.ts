/**
 * The layer store: every layer once, shared by every image that has it.
 *
 *     <root>/layers/<hex>/     the layer's files, hex = its diff ID (sha256 of
 *                              the uncompressed tar), in overlayfs's form:
 *                              a deletion is a 0:0 character device, an
 *                              opaque directory has `trusted.overlay.opaque=y`
 *     <root>/layers/<hex>.tar-record  the tar it was made from, less its files'
 *                              contents (src/image/tar_record.ts): its exact
 *                              tar again, for push and save
 *     <root>/layers/<hex>.blobs.json  compressed blobs of it that registries
 *                              hold (digest, media type, registry, repository),
 *                              so a push can skip or mount them
 *     <root>/layers/<hex>.link   its short name N, and <root>/l/N a symlink
 *                              to its directory: overlay's lowerdir list is
 *                              mount data, at most one page (4096 bytes), so
 *                              an image's layers are given by their short
 *                              paths (~32 bytes each: ~120 layers, as
 *                              Docker's overlay2 `l/` links) instead of their
 *                              full ones (~90 bytes: 45 layers)
 *
 *     <root>/layers/<hex>.merged, <hex>.work  the names kept for a mount of
 *                              the layer alone (its mount point and overlay's
 *                              work directory), as Docker's overlay2 keeps
 *                              `merged` and `work` beside every layer's
 *                              `diff`; nothing mounts a layer alone, so they
 *                              are never made (neither are Docker's, for a
 *                              layer it pulled), only named by inspect
 *
 * so a container's overlay stacks an image's layer directories as its
 * lowerdirs as they are. A layer is made in a scratch directory under
 * `<root>/tmp` (same filesystem) and renamed into place whole, under a lock
 * per diff ID: a killed pull leaves no half layer, and two pulls of one
 * layer make it once. The tar record is renamed in first: a record without
 * its directory is never read, and is replaced by the next make.
 *
 * @module
 */

import { lstatOrUndefined } from "../_fs.ts";
import { debug } from "../debug.ts";
import { readJson, writeFileAtomic, writeJsonAtomic } from "../store/atomic.ts";
import { withLock, withLockAsync } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { TarRecordWriter } from "./tar_record.ts";

/** Scratch directories holding a removed layer on its way out. */
const REMOVED_PREFIX = "rm-layer-";

/** Removes `path`, a removed layer's leftovers; what cannot go now waits for the next sweep. */
function removeLeftover(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      debug("image", `${path} not removed yet, left for a later sweep: ${(err as Error).message}`);
    }
  }
}

/** What a scratch directory (or push's compressed blob) under `<root>/tmp` is for. */
export type ScratchKind = "layer" | "import" | "commit" | "load" | "push";

/** `<kind>-<pid>-…`: a scratch, and the process working in it. */
const ABANDONED = /^(?:layer|import|commit|load|push)-(\d+)-/;

/** Whether process `pid` exists (its scratch may still be in use). */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Removes the file at `path` if there is one. */
function removeFileIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/**
 * Bytes of what is under `dir` as Docker counts a layer's size: regular
 * files and symlinks (their lstat size), each inode once.
 */
export function treeSize(dir: string, seen = new Set<number>()): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    const info = Deno.lstatSync(path);
    if (info.isDirectory) total += treeSize(path, seen);
    else if ((info.isFile || info.isSymlink) && info.ino !== null && !seen.has(info.ino)) {
      seen.add(info.ino);
      total += info.size;
    }
  }
  return total;
}

/** A compressed blob of a layer that a registry holds. */
export interface LayerBlob {
  digest: string;
  mediaType: string;
  size: number;
  /** The registry's domain, as in a reference (`127.0.0.1:5000`, `docker.io`). */
  registry: string;
  /** The repository path there (`library/busybox`). */
  repository: string;
}

/** A short link name: 10 of [a-z0-9] (2^51 of them: drawn at random, never reused while taken). */
const LINK_NAME = /^[a-z0-9]{10}$/;

function randomLinkName(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => alphabet[b % 36]).join("");
}

/** `sha256:<64 hex>`, the only digest form accepted as a layer name. */
export const DIFF_ID = /^sha256:[0-9a-f]{64}$/;

/** The layers of one state root. */
export class LayerStore {
  constructor(private readonly root: StateRoot) {}

  /** The directory of layer `diffId` (validated: it becomes a path). */
  dir(diffId: string): string {
    if (!DIFF_ID.test(diffId)) throw new Error(`invalid layer diff ID "${diffId}"`);
    return `${this.root.layers}/${diffId.slice(7)}`;
  }

  /**
   * The path overlay is given for layer `diffId`: its short link
   * `<root>/l/<name>` when it has one that points at it, else its directory
   * (a layer made before links, or whose link was not made: a killed make).
   */
  mountPath(diffId: string): string {
    const dir = this.dir(diffId);
    let name: string;
    try {
      name = Deno.readTextFileSync(`${dir}.link`).trim();
    } catch {
      return dir;
    }
    if (!LINK_NAME.test(name)) return dir;
    const link = `${this.root.root}/l/${name}`;
    try {
      return Deno.readLinkSync(link) === dir ? link : dir;
    } catch {
      return dir;
    }
  }

  /**
   * The mount point and overlay work directory a mount of layer `diffId`
   * alone would have (see the module comment: named, never made).
   */
  aloneMountDirs(diffId: string): { merged: string; work: string } {
    const dir = this.dir(diffId);
    return { merged: `${dir}.merged`, work: `${dir}.work` };
  }

  /** Gives layer `diffId` its short link (see the module comment). */
  private link(diffId: string): void {
    const links = `${this.root.root}/l`;
    Deno.mkdirSync(links, { recursive: true, mode: 0o700 });
    for (;;) {
      const name = randomLinkName();
      try {
        Deno.symlinkSync(this.dir(diffId), `${links}/${name}`);
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) continue;
        throw err;
      }
      writeFileAtomic(`${this.dir(diffId)}.link`, `${name}\n`);
      return;
    }
  }

  /** Removes layer `diffId`'s short link, if it has one. */
  private unlink(diffId: string): void {
    let name = "";
    try {
      name = Deno.readTextFileSync(`${this.dir(diffId)}.link`).trim();
    } catch {
      return;
    }
    if (LINK_NAME.test(name)) removeFileIfPresent(`${this.root.root}/l/${name}`);
    removeFileIfPresent(`${this.dir(diffId)}.link`);
  }

  /** The tar record of layer `diffId` (see the module comment). */
  recordPath(diffId: string): string {
    return `${this.dir(diffId)}.tar-record`;
  }

  /** The registry blobs known to hold layer `diffId`. */
  blobs(diffId: string): LayerBlob[] {
    return readJson<LayerBlob[]>(`${this.dir(diffId)}.blobs.json`) ?? [];
  }

  /** Records that `blob` holds layer `diffId` (kept once per registry, repository and digest). */
  addBlob(diffId: string, blob: LayerBlob): void {
    withLock(this.root, `blobs-${diffId.slice(7)}`, () => {
      const same = (b: LayerBlob) =>
        b.digest === blob.digest && b.registry === blob.registry &&
        b.repository === blob.repository;
      const known = this.blobs(diffId);
      if (known.some(same)) return;
      Deno.mkdirSync(this.root.layers, { recursive: true, mode: 0o700 });
      writeJsonAtomic(`${this.dir(diffId)}.blobs.json`, [...known, blob]);
    });
  }

  /** Whether layer `diffId` is in the store. */
  has(diffId: string): boolean {
    return lstatOrUndefined(this.dir(diffId))?.isDirectory === true;
  }

  /**
   * A fresh scratch directory under `<root>/tmp` for `kind` of work
   * (`layer`, `import`, `commit`, `load`), named `<kind>-<pid>-…` so that
   * what a killed process left is known for its own (see `sweepRemoved`).
   */
  scratch(kind: ScratchKind): string {
    const tmp = `${this.root.root}/tmp`;
    Deno.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    return Deno.makeTempDirSync({ dir: tmp, prefix: `${kind}-${Deno.pid}-` });
  }

  /**
   * Makes layer `diffId` unless the store has it: under the layer's lock,
   * `make(dir, record)` fills a fresh directory (extracting the layer's tar
   * with `record` as the tap), which is then renamed into place with its
   * tar record. On any failure both are removed. Resolves to whether it was made.
   */
  ensure(
    diffId: string,
    make: (dir: string, record: TarRecordWriter) => Promise<void>,
  ): Promise<boolean> {
    return withLockAsync(this.root, `layer-${diffId.slice(7)}`, async () => {
      if (this.has(diffId)) return false;
      const scratch = this.scratch("layer");
      try {
        const tree = `${scratch}/tree`;
        Deno.mkdirSync(tree, { mode: 0o755 });
        const record = new TarRecordWriter(`${scratch}/tar-record`);
        try {
          await make(tree, record);
        } finally {
          record.close();
        }
        this.install(tree, record.path, diffId);
        return true;
      } finally {
        Deno.removeSync(scratch, { recursive: true });
      }
    });
  }

  /**
   * Moves the finished tree `dir` and its tar record `recordPath` in as
   * layer `diffId`, unless the store has it (then the caller's scratch
   * stays the caller's to remove). Resolves to whether it was moved in.
   */
  adopt(dir: string, recordPath: string, diffId: string): Promise<boolean> {
    return withLockAsync(this.root, `layer-${diffId.slice(7)}`, () => {
      if (this.has(diffId)) return Promise.resolve(false);
      Deno.chmodSync(dir, 0o755);
      this.install(dir, recordPath, diffId);
      return Promise.resolve(true);
    });
  }

  /** Renames a made layer into place: its record first (see the module comment). */
  private install(tree: string, recordPath: string, diffId: string): void {
    Deno.mkdirSync(this.root.layers, { recursive: true, mode: 0o700 });
    Deno.renameSync(recordPath, this.recordPath(diffId));
    Deno.renameSync(tree, this.dir(diffId));
    this.link(diffId);
  }

  /**
   * Removes layer `diffId`: renamed out of sight first (a rename needs no
   * space), so it is never seen half-deleted; files that then cannot be
   * removed (a removal killed or stopped midway) are left for `sweepRemoved`.
   */
  remove(diffId: string): void {
    withLock(this.root, `layer-${diffId.slice(7)}`, () => {
      if (!this.has(diffId)) return;
      const tmp = `${this.root.root}/tmp`;
      Deno.mkdirSync(tmp, { recursive: true, mode: 0o700 });
      const scratch = Deno.makeTempDirSync({ dir: tmp, prefix: REMOVED_PREFIX });
      Deno.renameSync(this.dir(diffId), `${scratch}/tree`);
      removeFileIfPresent(this.recordPath(diffId));
      removeFileIfPresent(`${this.dir(diffId)}.blobs.json`);
      this.unlink(diffId);
      removeLeftover(scratch);
    });
  }

  /**
   * Removes what removals of layers left in `<root>/tmp` (no one uses a
   * removed layer), and the scratch of processes that died at work (a
   * killed pull, import, commit, load or push: `<kind>-<pid>-…` whose pid
   * is gone).
   */
  sweepRemoved(): void {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${this.root.root}/tmp`)];
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const e of entries) {
      const owner = e.name.match(ABANDONED)?.[1];
      if (e.name.startsWith(REMOVED_PREFIX) || (owner !== undefined && !alive(Number(owner)))) {
        removeLeftover(`${this.root.root}/tmp/${e.name}`);
      }
    }
  }
}
