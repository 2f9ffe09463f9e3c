/**
 * The local image store. An image is a directory tree used read-only as the
 * lower layer of every container made from it:
 *
 *     <root>/images/<id>/rootfs        the files
 *     <root>/images/<id>/image.json    ImageRecord without its tags
 *     <root>/images/repositories.json  "name:tag" → image id
 *
 * Tags live only in repositories.json (one source of truth); retagging a
 * name moves it and leaves the old image untagged (`<none>`), as Docker
 * does. Changes to repositories.json are made under the "images" lock.
 *
 * A deleted image is first renamed to `<root>/images/.deleting-<id>` (a
 * rename needs no space, and is atomic), then removed: a removal killed or
 * failed midway leaves no image under its own name, only a `.deleting-*`
 * directory that no reader looks at (they list only 64-hex names) and that
 * the next write to the store removes.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import { FULL_ID } from "../store/ids.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { formatReference, parseReference, tryParseReference } from "./reference.ts";

/** The name a deleted image's directory has while its files are removed. */
const DELETING_PREFIX = ".deleting-";

/** What an image tells the containers made from it (Docker's Config subset). */
export interface ImageConfig {
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** Docker's `USER`: who the image's command runs as (`NAME|UID[:GROUP|GID]`). */
  user?: string;
}

/** One image. */
export interface ImageRecord {
  /** 64 hex: sha256 of the image's metadata (content digest when known, creation time, a nonce). */
  id: string;
  /** "name:tag" references pointing at this image. */
  repoTags: string[];
  created: string;
  comment?: string;
  config?: ImageConfig;
  /** Bytes of file content. */
  size: number;
  /** sha256 of the imported tarball (uncompressed), when the image came from one. */
  layerDigest?: string;
}

/** What `import` and `commit` may record besides the files. */
export interface NewImageOptions {
  comment?: string;
  config?: ImageConfig;
  layerDigest?: string;
}

type Repositories = Record<string, string>;

function exists(path: string): boolean {
  return lstatOrUndefined(path) !== undefined;
}

/** A sha256 hex digest of `text`. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes of regular-file content under `dir`, each inode counted once. */
function treeSize(dir: string, seen = new Set<number>()): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    const info = Deno.lstatSync(path);
    if (info.isDirectory) total += treeSize(path, seen);
    else if (info.isFile && info.ino !== null && !seen.has(info.ino)) {
      seen.add(info.ino);
      total += info.size;
    }
  }
  return total;
}

/** The images of one state root. */
export class ImageStore {
  constructor(private readonly root: StateRoot) {}

  private get repositoriesPath(): string {
    return `${this.root.images}/repositories.json`;
  }

  private repositories(): Repositories {
    return readJson<Repositories>(this.repositoriesPath) ?? {};
  }

  /**
   * Stores `repos`, without the tags of images whose files are gone (an
   * image is deleted before its tags, so deleting needs no space first; a
   * tag it left behind is dropped here, and ignored by readers until then).
   * Under the "images" lock.
   */
  private storeRepositories(repos: Repositories): void {
    this.sweepDeleted();
    for (const [ref, id] of Object.entries(repos)) {
      if (!exists(`${this.root.image(id)}/image.json`)) delete repos[ref];
    }
    writeJsonAtomic(this.repositoriesPath, repos);
  }

  /**
   * Removes what deletions killed or failed midway left (`.deleting-*`).
   * Under the "images" lock, so never while a live deletion removes it;
   * what cannot be removed now stays for the next write.
   */
  private sweepDeleted(): void {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(this.root.images)];
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(DELETING_PREFIX)) this.removeDeleted(entry.name);
    }
  }

  /** Removes `<root>/images/<name>` (a renamed, deleted image); a failure is left to a later sweep. */
  private removeDeleted(name: string): void {
    const path = `${this.root.images}/${name}`;
    try {
      Deno.removeSync(path, { recursive: true });
    } catch (err) {
      debug("image", `removing ${path} failed, left for a later sweep: ${(err as Error).message}`);
    }
  }

  /** The directory containers use as their lower layer. */
  rootfs(id: string): string {
    return `${this.root.image(id)}/rootfs`;
  }

  private load(id: string, repos: Repositories): ImageRecord | undefined {
    const stored = readJson<Omit<ImageRecord, "repoTags">>(`${this.root.image(id)}/image.json`);
    if (!stored) return undefined;
    const repoTags = Object.keys(repos).filter((ref) => repos[ref] === id).sort();
    return { ...stored, repoTags };
  }

  /** Every image, newest first. */
  list(): ImageRecord[] {
    const repos = this.repositories();
    const out: ImageRecord[] = [];
    try {
      for (const entry of Deno.readDirSync(this.root.images)) {
        if (!entry.isDirectory || !FULL_ID.test(entry.name)) continue;
        const image = this.load(entry.name, repos);
        if (image) out.push(image);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
  }

  /**
   * The image `ref` names: `name[:tag]`, a full ID (optionally `sha256:`),
   * or a unique ID prefix. Undefined when nothing matches.
   */
  find(ref: string): ImageRecord | undefined {
    const repos = this.repositories();
    const parsed = tryParseReference(ref);
    if (parsed) {
      const id = repos[formatReference(parsed)];
      if (id) return this.load(id, repos);
    }
    const hex = ref.replace(/^sha256:/, "");
    if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
    const matches = this.list().filter((image) => image.id.startsWith(hex));
    if (matches.length > 1) {
      throw new UserError(
        `dockergsh: image ID prefix "${ref}" is ambiguous: it matches ${matches.length} images`,
      );
    }
    return matches[0];
  }

  /** Like `find`, but a missing image is Docker's error. */
  resolve(ref: string): ImageRecord {
    const image = this.find(ref);
    if (image) return image;
    const parsed = tryParseReference(ref);
    const shown = parsed ? formatReference(parsed) : ref;
    throw new UserError(
      `dockergsh: Unable to find image '${shown}' locally (import one with: dockergsh import FILE ${
        parsed?.repository ?? "NAME"
      })`,
    );
  }

  /** Points `ref` at image `id` (moving the tag if another image had it). */
  tag(id: string, ref: string): void {
    const name = formatReference(parseReference(ref));
    withLock(this.root, "images", () => {
      const repos = this.repositories();
      repos[name] = id;
      this.storeRepositories(repos);
    });
  }

  /** Removes the tag `ref`; returns whether it existed. */
  untag(ref: string): boolean {
    const name = formatReference(parseReference(ref));
    return withLock(this.root, "images", () => {
      const repos = this.repositories();
      if (!(name in repos)) return false;
      delete repos[name];
      this.storeRepositories(repos);
      return true;
    });
  }

  /** A fresh directory under `<root>/tmp` (same filesystem as the images, so it can be renamed in). */
  scratchDir(prefix: string): string {
    const tmp = `${this.root.root}/tmp`;
    Deno.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    return Deno.makeTempDirSync({ dir: tmp, prefix });
  }

  /**
   * Makes an image of the tree at `dir`, which is moved (renamed) into the
   * store, and tags it `ref` when given.
   */
  async createFromDirectory(
    dir: string,
    ref: string | undefined,
    opts: NewImageOptions = {},
  ): Promise<ImageRecord> {
    if (ref !== undefined) parseReference(ref);
    const record: Omit<ImageRecord, "repoTags" | "id"> = {
      created: new Date().toISOString(),
      ...(opts.comment ? { comment: opts.comment } : {}),
      ...(opts.config ? { config: opts.config } : {}),
      size: treeSize(dir),
      ...(opts.layerDigest ? { layerDigest: opts.layerDigest } : {}),
    };
    const id = await sha256Hex(JSON.stringify({ ...record, nonce: crypto.randomUUID() }));
    const home = this.root.image(id);
    withLock(this.root, "images", () => this.sweepDeleted());
    Deno.mkdirSync(home, { recursive: true, mode: 0o700 });
    try {
      Deno.chmodSync(dir, 0o755);
      Deno.renameSync(dir, this.rootfs(id));
      writeJsonAtomic(`${home}/image.json`, { id, ...record });
      if (ref !== undefined) this.tag(id, ref);
    } catch (err) {
      Deno.removeSync(home, { recursive: true });
      throw err;
    }
    return { id, repoTags: ref ? [formatReference(parseReference(ref))] : [], ...record };
  }

  /**
   * Deletes image `id`'s files, then every tag pointing at it. Files first:
   * on a full disk the deletion frees the space the tags' rewrite needs,
   * and if even that fails the tags are dangling, which readers ignore.
   * The image is gone once its directory is renamed to `.deleting-<id>`;
   * files that then cannot be removed are left to a later sweep.
   */
  delete(id: string): void {
    withLock(this.root, "images", () => {
      const deleting = `${DELETING_PREFIX}${id}`;
      Deno.renameSync(this.root.image(id), `${this.root.images}/${deleting}`);
      this.removeDeleted(deleting);
      unlessDiskFull(`untagging ${id}`, () => this.storeRepositories(this.repositories()));
    });
  }
}
