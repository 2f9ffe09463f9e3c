/**
 * `save`: images as one tar archive in the layout `docker save` (Docker
 * 20.10) writes, which `docker load` and `podman load` read:
 *
 *     <v1 id>/VERSION      "1.0"
 *     <v1 id>/json         the layer's legacy v1 image JSON
 *     <v1 id>/layer.tar    the layer's tar (sha256 = its diff ID)
 *     <image id>.json      the image config blob
 *     manifest.json        [{"Config","RepoTags","Layers"}] per image
 *     repositories         {"repo":{"tag":"<top v1 id>"}}, when tagged
 *
 * Entries are in name order, as Docker's. A v1 ID names one layer on top of
 * its parents (for the top layer, of one image): the sha256 of those, so
 * one layer shared by two saved images is written once. Each layer's tar
 * is produced again from its files and tar record and checked against its
 * diff ID as it is written: a layer that no longer matches fails the save.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { dockerConfigOf } from "./image_config.ts";
import { LayerStore } from "./layer_store.ts";
import { formatReference, tryParseReference } from "./reference.ts";
import { type ImageRecord, ImageStore } from "./store.ts";
import { TAR_END, tarHeader, tarPadding } from "./tar_header.ts";
import { recordedArchiveSize, replayTarRecord } from "./tar_record_replay.ts";

/** One entry of the archive: its bytes, or a layer's tar (streamed). */
interface Entry {
  name: string;
  mtime: number;
  dir?: boolean;
  bytes?: Uint8Array;
  layer?: { diffId: string; size: number };
}

const encoder = new TextEncoder();

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The images `refs` name, each with the tags to save it under. */
function resolve(images: ImageStore, refs: string[]): { image: ImageRecord; tags: string[] }[] {
  const out = new Map<string, { image: ImageRecord; tags: Set<string> }>();
  for (const ref of refs) {
    const image = images.find(ref);
    if (!image) {
      throw new UserError(
        `dockergsh: Error response from daemon: reference does not exist: ${ref}`,
      );
    }
    const parsed = tryParseReference(ref);
    const named = parsed ? formatReference(parsed) : undefined;
    const entry = out.get(image.id) ?? { image, tags: new Set<string>() };
    // A repository without a tag saves every tag of it, as Docker does.
    const nameOnly = parsed && !ref.slice(ref.lastIndexOf("/") + 1).includes(":");
    if (nameOnly) {
      for (const other of images.list()) {
        for (const tag of other.repoTags) {
          if (tag.slice(0, tag.lastIndexOf(":")) !== parsed.repository) continue;
          const e = out.get(other.id) ?? { image: other, tags: new Set<string>() };
          e.tags.add(tag);
          out.set(other.id, e);
        }
      }
    } else if (named && image.repoTags.includes(named)) {
      entry.tags.add(named);
    }
    if (!out.has(image.id)) out.set(image.id, entry);
  }
  return [...out.values()].map((e) => ({ image: e.image, tags: [...e.tags].sort() }));
}

/** The archive's entries for `refs`; throws before any byte when an image cannot be saved. */
function entries(images: ImageStore, layers: LayerStore, refs: string[]): Entry[] {
  const byName = new Map<string, Entry>();
  const add = (e: Entry) => byName.set(e.name, e);
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, tags } of resolve(images, refs)) {
    const blob = images.configBlob(image.id);
    if (!blob || !image.layers) {
      throw new UserError(
        `dockergsh: image ${
          image.id.slice(0, 12)
        } was stored by an older dockergsh without its config: pull or import it again to save it`,
      );
    }
    const mtime = Date.parse(image.created) / 1000 || 0;
    add({ name: `${image.id}.json`, mtime, bytes: blob });
    let parent = "";
    const paths: string[] = [];
    image.layers.forEach((diffId, i) => {
      const recordPath = layers.recordPath(diffId);
      if (!lstatOrUndefined(recordPath)?.isFile) {
        throw new UserError(
          `dockergsh: layer ${diffId} has no tar record (stored by an older dockergsh): pull or import its image again to save it`,
        );
      }
      const top = i === image.layers!.length - 1;
      const id = sha256Hex(JSON.stringify({ parent, diffId, ...(top ? { image: image.id } : {}) }));
      const json = {
        id,
        ...(parent ? { parent } : {}),
        created: top ? image.created : "1970-01-01T00:00:00Z",
        ...(top ? { config: dockerConfigOf(image.config ?? {}) } : {}),
        ...(top && image.architecture ? { architecture: image.architecture } : {}),
        os: image.os ?? "linux",
      };
      add({ name: `${id}/`, mtime, dir: true });
      add({ name: `${id}/VERSION`, mtime, bytes: encoder.encode("1.0") });
      add({ name: `${id}/json`, mtime, bytes: encoder.encode(JSON.stringify(json)) });
      add({
        name: `${id}/layer.tar`,
        mtime,
        layer: { diffId, size: recordedArchiveSize(recordPath) },
      });
      paths.push(`${id}/layer.tar`);
      parent = id;
    });
    manifest.push({
      Config: `${image.id}.json`,
      RepoTags: tags.length ? tags : null,
      Layers: paths,
    });
    for (const tag of tags) {
      const colon = tag.lastIndexOf(":");
      (repositories[tag.slice(0, colon)] ??= {})[tag.slice(colon + 1)] = parent;
    }
  }
  add({ name: "manifest.json", mtime: 0, bytes: encoder.encode(JSON.stringify(manifest)) });
  if (Object.keys(repositories).length) {
    add({ name: "repositories", mtime: 0, bytes: encoder.encode(JSON.stringify(repositories)) });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The archive of the images `refs` name (`name[:tag]`, IDs). Every image
 * is checked before the stream starts; a layer that fails its diff ID
 * fails the stream.
 */
export function saveImages(root: ImageStore["root"], refs: string[]): ReadableStream<Uint8Array> {
  const layers = new LayerStore(root);
  const list = entries(new ImageStore(root), layers, refs);
  async function* archive(): AsyncGenerator<Uint8Array> {
    for (const e of list) {
      const base = { path: e.name, uid: 0, gid: 0, mtime: e.mtime };
      if (e.dir) {
        yield tarHeader({ ...base, type: "dir", mode: 0o755, size: 0 });
      } else if (e.bytes) {
        yield tarHeader({ ...base, type: "file", mode: 0o644, size: e.bytes.length });
        yield e.bytes;
        yield tarPadding(e.bytes.length);
      } else if (e.layer) {
        const { diffId, size } = e.layer;
        yield tarHeader({ ...base, type: "file", mode: 0o644, size });
        yield* replayTarRecord(layers.recordPath(diffId), layers.dir(diffId), diffId);
        yield tarPadding(size);
      }
    }
    yield TAR_END;
  }
  return ReadableStream.from(archive());
}
