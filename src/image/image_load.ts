/**
 * `load`: images from an archive `docker save` wrote (manifest.json,
 * config `<id>.json`, `<v1 id>/layer.tar`, from any Docker version) or an
 * OCI image layout archive (`oci-layout`, `index.json`, `blobs/sha256/…`;
 * an index inside is narrowed to this host's platform).
 *
 * The archive is untrusted: it is first extracted by the safe extractor
 * (no path escapes, nothing written through a symlink) into a scratch
 * directory under `<root>/tmp`, and every file it names is then opened
 * only through real directories inside that scratch. Each layer (plain,
 * gzip or zstd, whatever its name says) goes through the same layer
 * extraction as a pulled one, with its tar record, and must hash to its
 * diff ID; an OCI blob must also hash to its digest. The images are
 * recorded only after all their layers are in; on any failure the layers
 * this load made that no image uses are removed, and the scratch goes.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { TarFormatError } from "./_tar_reader.ts";
import { hashing } from "./digest_stream.ts";
import { entryComponents, extractTar, UnsafeArchiveError } from "./extract.ts";
import { parseConfigBlob } from "./image_config.ts";
import { decompressed, sniffedMediaType } from "./layer_compression.ts";
import { LayerStore } from "./layer_store.ts";
import { tryParseReference } from "./reference.ts";
import { ImageStore } from "./store.ts";

/** One image of an archive: its config blob, its layer files (bottom first), its tags. */
interface ArchiveImage {
  config: Uint8Array;
  layers: { path: string; digest?: string }[];
  tags: string[];
}

function refused(why: string): UserError {
  return new UserError(`dockergsh: load: ${why}`);
}

/** The path of `rel` inside `dir`: a regular file reached through real directories only. */
function archivePath(dir: string, rel: unknown): string {
  if (typeof rel !== "string" || rel === "") throw refused(`bad file name ${JSON.stringify(rel)}`);
  let parts: string[];
  try {
    parts = entryComponents(rel);
  } catch {
    throw refused(`file name "${rel}" leaves the archive`);
  }
  let path = dir;
  for (const part of parts.slice(0, -1)) {
    path = `${path}/${part}`;
    if (!lstatOrUndefined(path)?.isDirectory) throw refused(`"${rel}" is not in the archive`);
  }
  path = `${path}/${parts[parts.length - 1]}`;
  if (!lstatOrUndefined(path)?.isFile) throw refused(`"${rel}" is not a file in the archive`);
  return path;
}

function readJsonFile(dir: string, rel: string): unknown {
  const bytes = Deno.readFileSync(archivePath(dir, rel));
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw refused(`${rel} is not JSON`);
  }
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The images of a `docker save` archive extracted at `dir`. */
function dockerImages(dir: string): ArchiveImage[] {
  const manifest = readJsonFile(dir, "manifest.json");
  if (!Array.isArray(manifest)) throw refused("manifest.json is not a list");
  return manifest.map((m) => {
    if (typeof m !== "object" || m === null || !Array.isArray(m.Layers)) {
      throw refused("manifest.json: an entry without Config and Layers");
    }
    const tags = m.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) {
      throw refused("manifest.json: RepoTags is not a list of names");
    }
    return {
      config: Deno.readFileSync(archivePath(dir, m.Config)),
      layers: m.Layers.map((path: unknown) => ({ path: archivePath(dir, path) })),
      tags,
    };
  });
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The blob `digest` of an OCI layout at `dir`, checked against its digest. */
function ociBlob(dir: string, digest: unknown): Uint8Array {
  if (typeof digest !== "string" || !DIGEST.test(digest)) throw refused(`bad digest ${digest}`);
  const bytes = Deno.readFileSync(archivePath(dir, `blobs/sha256/${digest.slice(7)}`));
  if (sha256(bytes) !== digest) throw refused(`blob ${digest} does not match its digest`);
  return bytes;
}

const HOST_ARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

/** The images of an OCI image layout extracted at `dir`. */
function ociImages(dir: string): ArchiveImage[] {
  const index = readJsonFile(dir, "index.json") as { manifests?: unknown };
  if (!Array.isArray(index.manifests)) throw refused("index.json has no manifests");
  const arch = HOST_ARCH[Deno.build.arch] ?? Deno.build.arch;
  const out: ArchiveImage[] = [];
  for (const entry of index.manifests) {
    const annotations = entry?.annotations ?? {};
    const name = annotations["io.containerd.image.name"] ??
      annotations["org.opencontainers.image.ref.name"];
    const tag = typeof name === "string" && name.includes(":") && tryParseReference(name)
      ? name
      : undefined;
    let manifest = JSON.parse(new TextDecoder().decode(ociBlob(dir, entry?.digest)));
    if (Array.isArray(manifest.manifests)) {
      const chosen = manifest.manifests.find((
        m: { platform?: { os?: string; architecture?: string } },
      ) => m.platform?.os === "linux" && m.platform?.architecture === arch);
      if (!chosen) throw refused(`no image for linux/${arch} in ${entry.digest}`);
      manifest = JSON.parse(new TextDecoder().decode(ociBlob(dir, chosen.digest)));
    }
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      throw refused(`${entry.digest} is not an image manifest`);
    }
    out.push({
      config: ociBlob(dir, manifest.config.digest),
      layers: manifest.layers.map((l: { digest?: unknown }) => {
        if (typeof l.digest !== "string" || !DIGEST.test(l.digest)) {
          throw refused(`bad layer digest ${l.digest}`);
        }
        return { path: archivePath(dir, `blobs/sha256/${l.digest.slice(7)}`), digest: l.digest };
      }),
      tags: tag ? [tag] : [],
    });
  }
  return out;
}

/** Extracts the layer file `layer` as layer `diffId` unless the store has it; true when made. */
async function loadLayer(
  layers: LayerStore,
  kernel: Kernel,
  layer: { path: string; digest?: string },
  diffId: string,
): Promise<boolean> {
  if (!DIGEST.test(diffId)) throw refused(`bad diff ID "${diffId}"`);
  return await layers.ensure(diffId, async (dir, record) => {
    const file = await Deno.open(layer.path, { read: true });
    const head = new Uint8Array(4);
    const n = await file.read(head);
    await file.seek(0, Deno.SeekMode.Start);
    const blobHash = hashing();
    const tarHash = hashing();
    const tar = (await decompressed(
      file.readable.pipeThrough(blobHash.transform),
      sniffedMediaType(head.subarray(0, n ?? 0)),
    )).pipeThrough(tarHash.transform);
    try {
      await extractTar(tar, dir, { layer: kernel, tap: record });
    } catch (err) {
      if (err instanceof UnsafeArchiveError || err instanceof TarFormatError) {
        throw refused(`layer ${diffId}: ${err.message}`);
      }
      throw err;
    }
    if (layer.digest && `sha256:${blobHash.hex()}` !== layer.digest) {
      throw refused(`layer blob ${layer.digest} does not match its digest`);
    }
    const got = `sha256:${tarHash.hex()}`;
    if (got !== diffId) throw refused(`layer ${diffId}: its tar is ${got}, not its diff ID`);
  });
}

/** Loads the archive `source` into `root`; resolves to Docker's lines (`Loaded image: …`). */
export async function loadImages(
  root: ImageStore["root"],
  kernel: Kernel,
  source: ReadableStream<Uint8Array>,
): Promise<string[]> {
  const layers = new LayerStore(root);
  const images = new ImageStore(root);
  const scratch = layers.scratch("load");
  const made: string[] = [];
  try {
    const dir = `${scratch}/archive`;
    Deno.mkdirSync(dir, { mode: 0o700 });
    try {
      await extractTar(source, dir);
    } catch (err) {
      if (err instanceof UnsafeArchiveError || err instanceof TarFormatError) {
        throw refused(err.message);
      }
      throw err;
    }
    let found: ArchiveImage[];
    if (lstatOrUndefined(`${dir}/manifest.json`)) found = dockerImages(dir);
    else if (lstatOrUndefined(`${dir}/index.json`)) found = ociImages(dir);
    else {
      throw refused(
        "the archive has neither manifest.json (docker save) nor index.json (OCI image layout)",
      );
    }
    const lines: string[] = [];
    for (const image of found) {
      let diffIds: string[];
      try {
        diffIds = parseConfigBlob(image.config).rootfs!.diff_ids!;
      } catch (err) {
        throw refused(`image config: ${(err as Error).message}`);
      }
      if (diffIds.length !== image.layers.length) {
        throw refused(
          `image config lists ${diffIds.length} layers, the manifest ${image.layers.length}`,
        );
      }
      for (const [i, layer] of image.layers.entries()) {
        if (await loadLayer(layers, kernel, layer, diffIds[i])) made.push(diffIds[i]);
      }
      const id = sha256(image.config).slice(7);
      const moved = image.tags.flatMap((tag) => {
        const old = images.find(tag);
        return old && old.id !== id
          ? [
            `The image ${tag} already exists, renaming the old one with ID sha256:${old.id} to empty string`,
          ]
          : [];
      });
      const record = await images.createFromConfig(image.config, image.tags);
      lines.push(...moved);
      if (image.tags.length) lines.push(...image.tags.map((tag) => `Loaded image: ${tag}`));
      else lines.push(`Loaded image ID: sha256:${record.id}`);
    }
    return lines;
  } catch (err) {
    images.releaseLayers(made);
    throw err;
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
}
