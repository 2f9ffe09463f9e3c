/**
 * The local image store. An image is a stack of layers (src/image/layer_store.ts,
 * shared between images) used read-only as the lowerdirs of every container
 * made from it, plus its config:
 *
 *     <root>/images/<id>/image.json    ImageRecord without its tags
 *     <root>/images/<id>/config.json   the image config blob (sha256 = id)
 *     <root>/images/repositories.json  "name:tag" → image id
 *     <root>/layers/<hex>/             the layers' files
 *
 * An image's ID is the sha256 of its config blob, as Docker's: the blob a
 * pull or load brought, or the one `import` and `commit` write
 * (src/image/image_config.ts). Images written by earlier versions kept one
 * tree in `<id>/rootfs` and no config blob; they are still read as
 * one-layer images (but cannot be pushed or saved).
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
import { readJson, writeFileAtomic, writeJsonAtomic } from "../store/atomic.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import { FULL_ID } from "../store/ids.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { imageConfigOf, parseConfigBlob } from "./image_config.ts";
import { LayerStore, treeSize } from "./layer_store.ts";
import {
  familiarReference,
  formatReference,
  parseReference,
  parseRemoteReference,
  tryParseReference,
} from "./reference.ts";

/** The name a deleted image's directory has while its files are removed. */
const DELETING_PREFIX = ".deleting-";

/** What an image tells the containers made from it (Docker's Config subset). */
export interface ImageConfig {
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  /** Docker's `USER`: who the image's command runs as (`NAME|UID[:GROUP|GID]`). */
  user?: string;
  exposedPorts?: Record<string, Record<string, never>>;
  labels?: Record<string, string>;
  stopSignal?: string;
  /** Docker's `ONBUILD` instructions, kept for images built from this one. */
  onBuild?: string[];
  /** Docker's `VOLUME`s: container paths that get an anonymous volume each. */
  volumes?: Record<string, Record<string, never>>;
  /** Docker's `HEALTHCHECK`, as the config holds it (durations in nanoseconds). */
  healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    Retries?: number;
  };
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
  /** Diff IDs (`sha256:…` of each uncompressed layer tar), bottom first. */
  layers?: string[];
  /** `name@sha256:…` of the manifests it was pulled by. */
  repoDigests?: string[];
  architecture?: string;
  os?: string;
  /** The image a `commit` was made from (Docker's `Parent`), when it was. */
  parent?: string;
  /** When a name was last given to it (Docker's Metadata.LastTagTime). */
  lastTagTime?: string;
}

/** A pulled image: its ID (the config's digest) and what its config says. */
export interface PulledImage {
  id: string;
  created: string;
  layers: string[];
  config: ImageConfig;
  architecture: string;
  os: string;
}

type Repositories = Record<string, string>;

function exists(path: string): boolean {
  return lstatOrUndefined(path) !== undefined;
}

/** A sha256 hex digest of `bytes`. */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `name@sha256:…` in the familiar form repoDigests use, or undefined when `ref` is not one. */
function tryParseDigestReference(ref: string): string | undefined {
  try {
    return familiarReference(parseRemoteReference(ref));
  } catch {
    return undefined;
  }
}

/** The images of one state root. */
export class ImageStore {
  constructor(readonly root: StateRoot) {}

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
   * Removes what deletions killed or failed midway left (`.deleting-*`,
   * and removed layers' files).
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
    new LayerStore(this.root).sweepRemoved();
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

  /**
   * The image's layer directories, top first, by their short links where
   * they have them: a container's overlay lowerdirs in order.
   */
  layerDirs(id: string): string[] {
    const record = readJson<ImageRecord>(`${this.root.image(id)}/image.json`);
    if (!record?.layers) return [`${this.root.image(id)}/rootfs`];
    const layers = new LayerStore(this.root);
    return record.layers.map((diffId) => layers.mountPath(diffId)).reverse();
  }

  /**
   * The mount point and work directory a mount of image `id`'s top layer
   * alone would have (LayerStore.aloneMountDirs; never made); for an image
   * of the old one-tree form, beside its tree.
   */
  topLayerMountDirs(id: string): { merged: string; work: string } {
    const record = readJson<ImageRecord>(`${this.root.image(id)}/image.json`);
    const top = record?.layers?.at(-1);
    if (!top) {
      return { merged: `${this.root.image(id)}/merged`, work: `${this.root.image(id)}/work` };
    }
    return new LayerStore(this.root).aloneMountDirs(top);
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
   * The image `ref` names: `name[:tag]`, `name@sha256:…` (a digest it was
   * pulled by), a full ID (optionally `sha256:`), or a unique ID prefix. Undefined when nothing matches.
   */
  find(ref: string): ImageRecord | undefined {
    const repos = this.repositories();
    if (ref.includes("@")) {
      const wanted = tryParseDigestReference(ref);
      return wanted ? this.list().find((image) => image.repoDigests?.includes(wanted)) : undefined;
    }
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

  /** Like `find`, but a missing image is the daemon's error in Docker's words (exit 1). */
  resolve(ref: string): ImageRecord {
    const image = this.find(ref);
    if (image) return image;
    const parsed = tryParseReference(ref);
    throw new UserError(
      `Error response from daemon: No such image: ${parsed ? formatReference(parsed) : ref}`,
      1,
    );
  }

  /** Points `ref` at image `id` (moving the tag if another image had it). */
  tag(id: string, ref: string): void {
    const name = formatReference(parseReference(ref));
    withLock(this.root, "images", () => {
      const repos = this.repositories();
      repos[name] = id;
      this.storeRepositories(repos);
      this.noteTagged(id);
    });
  }

  /** Sets image `id`'s lastTagTime to now (under the "images" lock). */
  private noteTagged(id: string): void {
    const path = `${this.root.image(id)}/image.json`;
    const record = readJson<Omit<ImageRecord, "repoTags">>(path);
    if (record) writeJsonAtomic(path, { ...record, lastTagTime: new Date().toISOString() });
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

  /** The config blob of image `id`, or undefined for an image stored without one. */
  configBlob(id: string): Uint8Array | undefined {
    try {
      return Deno.readFileSync(`${this.root.image(id)}/config.json`);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }

  /**
   * Records the image whose config blob is `blob` (its layers already in
   * the store) and tags it `ref`s; an image already stored keeps its record
   * (and repo digests) and only gains the tags. Throws, leaving nothing,
   * when a layer is missing or the blob is no image config.
   */
  async createFromConfig(
    blob: Uint8Array,
    refs: string[],
    opts: { parent?: string } = {},
  ): Promise<ImageRecord> {
    const names = refs.map((ref) => formatReference(parseReference(ref)));
    const config = parseConfigBlob(blob);
    const id = await sha256Hex(blob);
    const diffIds = config.rootfs!.diff_ids!;
    withLock(this.root, "images", () => {
      const layers = new LayerStore(this.root);
      const gone = diffIds.find((diffId) => !layers.has(diffId));
      if (gone) throw new UserError(`dockergsh: layer ${gone} is not in the store`);
      const home = this.root.image(id);
      if (!exists(`${home}/image.json`)) {
        const record: Omit<ImageRecord, "repoTags"> = {
          id,
          created: config.created ?? new Date(0).toISOString(),
          ...(config.comment ? { comment: config.comment } : {}),
          config: imageConfigOf(config.config),
          size: diffIds.reduce((n, diffId) => n + treeSize(layers.dir(diffId)), 0),
          layers: diffIds,
          architecture: config.architecture ?? "amd64",
          os: config.os ?? "linux",
          ...(opts.parent ? { parent: opts.parent } : {}),
        };
        Deno.mkdirSync(home, { recursive: true, mode: 0o700 });
        try {
          writeFileAtomic(`${home}/config.json`, blob);
          writeJsonAtomic(`${home}/image.json`, record);
        } catch (err) {
          Deno.removeSync(home, { recursive: true });
          throw err;
        }
      }
      const repos = this.repositories();
      for (const name of names) repos[name] = id;
      this.storeRepositories(repos);
      if (names.length) this.noteTagged(id);
    });
    return this.load(id, this.repositories())!;
  }

  /**
   * Records the pulled image `image` (its layers already in the store),
   * adds `repoDigest` to it and tags it `ref` (a pull by digest tags
   * nothing). Returns whether the image was already there under that name
   * (Docker's "Image is up to date").
   */
  recordPulled(
    image: PulledImage,
    configBlob: Uint8Array,
    ref: string | undefined,
    repoDigest: string,
  ): boolean {
    return withLock(this.root, "images", () => {
      const layers = new LayerStore(this.root);
      // An rmi between download and now may have removed a layer no image used yet.
      const gone = image.layers.find((diffId) => !layers.has(diffId));
      if (gone) {
        throw new UserError(`dockergsh: layer ${gone} was removed during the pull: pull again`);
      }
      const existing = readJson<Omit<ImageRecord, "repoTags">>(
        `${this.root.image(image.id)}/image.json`,
      );
      const repos = this.repositories();
      const upToDate = existing !== undefined &&
        (ref ? repos[ref] === image.id : existing.repoDigests?.includes(repoDigest) === true);
      const record: Omit<ImageRecord, "repoTags"> = existing ?? {
        id: image.id,
        created: image.created,
        config: image.config,
        size: image.layers.reduce((n, diffId) => n + treeSize(layers.dir(diffId)), 0),
        layers: image.layers,
        architecture: image.architecture,
        os: image.os,
      };
      const digests = new Set([...(record.repoDigests ?? []), repoDigest]);
      Deno.mkdirSync(this.root.image(image.id), { recursive: true, mode: 0o700 });
      writeFileAtomic(`${this.root.image(image.id)}/config.json`, configBlob);
      writeJsonAtomic(`${this.root.image(image.id)}/image.json`, {
        ...record,
        repoDigests: [...digests].sort(),
      });
      if (ref) repos[ref] = image.id;
      this.storeRepositories(repos);
      return upToDate;
    });
  }

  /** Adds `repoDigest` (`name@sha256:…`, what a push made) to image `id`. */
  addRepoDigest(id: string, repoDigest: string): void {
    withLock(this.root, "images", () => {
      const path = `${this.root.image(id)}/image.json`;
      const record = readJson<Omit<ImageRecord, "repoTags">>(path);
      if (!record) return;
      const digests = new Set([...(record.repoDigests ?? []), repoDigest]);
      writeJsonAtomic(path, { ...record, repoDigests: [...digests].sort() });
    });
  }

  /** Removes those of `diffIds` no image uses, under the "images" lock. */
  releaseLayers(diffIds: string[]): void {
    withLock(this.root, "images", () => this.removeUnusedLayers(diffIds));
  }

  /** Removes those of `diffIds` no image in the store uses any more (a failed pull's, too). */
  private removeUnusedLayers(diffIds: string[]): void {
    // Callers hold the "images" lock (or take it: releaseLayers).
    const used = new Set(this.list().flatMap((image) => image.layers ?? []));
    const layers = new LayerStore(this.root);
    for (const diffId of diffIds) if (!used.has(diffId)) layers.remove(diffId);
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
      const layers = readJson<ImageRecord>(`${this.root.image(id)}/image.json`)?.layers ?? [];
      const deleting = `${DELETING_PREFIX}${id}`;
      Deno.renameSync(this.root.image(id), `${this.root.images}/${deleting}`);
      this.removeDeleted(deleting);
      this.removeUnusedLayers(layers);
      unlessDiskFull(`untagging ${id}`, () => this.storeRepositories(this.repositories()));
    });
  }
}
