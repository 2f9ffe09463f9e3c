/**
 * The layer store: every layer once, shared by every image that has it.
 *
 *     <root>/layers/<hex>/     the layer's files, hex = its diff ID (sha256 of
 *                              the uncompressed tar), in overlayfs's form:
 *                              a deletion is a 0:0 character device, an
 *                              opaque directory has `trusted.overlay.opaque=y`
 *
 * so a container's overlay stacks an image's layer directories as its
 * lowerdirs as they are. A layer is made in a scratch directory under
 * `<root>/tmp` (same filesystem) and renamed into place whole, under a lock
 * per diff ID: a killed pull leaves no half layer, and two pulls of one
 * layer make it once.
 *
 * @module
 */

import { lstatOrUndefined } from "../_fs.ts";
import { debug } from "../debug.ts";
import { withLock, withLockAsync } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";

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

  /** Whether layer `diffId` is in the store. */
  has(diffId: string): boolean {
    return lstatOrUndefined(this.dir(diffId))?.isDirectory === true;
  }

  /** A fresh scratch directory under `<root>/tmp`, for a layer being made. */
  scratch(prefix: string): string {
    const tmp = `${this.root.root}/tmp`;
    Deno.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    return Deno.makeTempDirSync({ dir: tmp, prefix });
  }

  /**
   * Makes layer `diffId` unless the store has it: under the layer's lock,
   * `make(dir)` fills a fresh directory, which is then renamed into place.
   * On any failure the directory is removed. Resolves to whether it was made.
   */
  ensure(diffId: string, make: (dir: string) => Promise<void>): Promise<boolean> {
    const target = this.dir(diffId);
    return withLockAsync(this.root, `layer-${diffId.slice(7)}`, async () => {
      if (this.has(diffId)) return false;
      const scratch = this.scratch("layer-");
      try {
        const tree = `${scratch}/tree`;
        Deno.mkdirSync(tree, { mode: 0o755 });
        await make(tree);
        Deno.mkdirSync(this.root.layers, { recursive: true, mode: 0o700 });
        Deno.renameSync(tree, target);
        return true;
      } finally {
        Deno.removeSync(scratch, { recursive: true });
      }
    });
  }

  /** Moves the finished tree `dir` in as layer `diffId`; if the store has it already, `dir` is removed. */
  async adopt(dir: string, diffId: string): Promise<boolean> {
    const made = await this.ensure(diffId, (tree) => {
      Deno.removeSync(tree);
      Deno.renameSync(dir, tree);
      return Promise.resolve();
    });
    if (!made) Deno.removeSync(dir, { recursive: true });
    return made;
  }

  /**
   * Removes layer `diffId`: renamed out of sight first (a rename needs no
   * space), so it is never seen half-deleted; files that then cannot be
   * removed (a removal killed or stopped midway) are left for `sweepRemoved`.
   */
  remove(diffId: string): void {
    withLock(this.root, `layer-${diffId.slice(7)}`, () => {
      if (!this.has(diffId)) return;
      const scratch = this.scratch(REMOVED_PREFIX);
      Deno.renameSync(this.dir(diffId), `${scratch}/tree`);
      removeLeftover(scratch);
    });
  }

  /** Removes what removals of layers left in `<root>/tmp` (no one uses a removed layer). */
  sweepRemoved(): void {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${this.root.root}/tmp`)];
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith(REMOVED_PREFIX)) removeLeftover(`${this.root.root}/tmp/${e.name}`);
    }
  }
}
