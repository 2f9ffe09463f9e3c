/**
 * `pull`: an image from a registry into the store. The manifest is fetched
 * by tag or digest (a list or index narrowed to one platform), then the
 * config, then every layer the store lacks (up to 3 at once, Docker's
 * default), each streamed once: sha256 of the blob checked against its
 * digest, decompressed, sha256 of the tar checked against the config's
 * diff ID, and extracted by the safe extractor into a scratch directory
 * that becomes `<root>/layers/<diff ID>` only when both digests match.
 * The image record and its tag are written last, so a failed or killed pull
 * leaves no image; layers already complete stay for the next pull.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { hashing } from "../image/digest_stream.ts";
import { extractTar } from "../image/extract.ts";
import { LayerStore } from "../image/layer_store.ts";
import {
  familiarReference,
  familiarRepository,
  localTag,
  parseRemoteReference,
  qualifiedReference,
  type RemoteReference,
} from "../image/reference.ts";
import { type ImageConfig, ImageStore, type PulledImage } from "../image/store.ts";
import type { StateRoot } from "../store/paths.ts";
import { decompressed } from "./_decompress.ts";
import { RegistryClient, RegistryError } from "./client.ts";
import { credentialsFor } from "./credentials.ts";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  MANIFEST_ACCEPT,
  parseManifest,
  type Platform,
  selectPlatform,
} from "./manifest.ts";

/** What `pull` is told. */
export interface PullOptions {
  platform?: Platform;
  insecureRegistries: readonly string[];
  /** One progress line (Docker's plain, non-terminal form). */
  progress(line: string): void;
}

/** What a pull did. */
export interface PullResult {
  imageId: string;
  /** `Status: …` as Docker words it. */
  status: string;
  /** The fully qualified reference Docker prints last. */
  reference: string;
  digest: string;
}

const MAX_CONCURRENT_DOWNLOADS = 3;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Docker's words for a refused pull. */
function denied(ref: RemoteReference, err: RegistryError): UserError {
  const name = familiarRepository(ref);
  if (err.status === 401 || err.status === 403 || err.code === "NAME_UNKNOWN") {
    return new UserError(
      `dockergsh: Error response from daemon: pull access denied for ${name}, repository does not exist or may require 'dockergsh login': ${err.message}`,
    );
  }
  if (err.code === "MANIFEST_UNKNOWN" || err.status === 404) {
    return new UserError(
      `dockergsh: Error response from daemon: manifest for ${
        familiarReference(ref)
      } not found: manifest unknown: ${err.message}`,
    );
  }
  return new UserError(`dockergsh: Error response from daemon: ${err.message}`);
}

/** A blob (or manifest) read whole and checked against `digest`. */
async function fetchVerified(
  client: RegistryClient,
  path: string,
  kind: "manifests" | "blobs",
  reference: string,
  headers: Record<string, string> = {},
): Promise<{ body: Uint8Array; digest: string; contentType: string }> {
  const res = await RegistryClient.check(
    await client.request(`/v2/${path}/${kind}/${reference}`, path, { headers }),
    `${kind === "manifests" ? "manifest" : "blob"} ${path}:${reference}`,
  );
  const body = new Uint8Array(await res.arrayBuffer());
  const digest = `sha256:${await sha256Hex(body)}`;
  if (reference.startsWith("sha256:") && digest !== reference) {
    throw new UserError(
      `dockergsh: ${
        kind === "manifests" ? "manifest" : "blob"
      } ${reference}: digest mismatch (got ${digest})`,
    );
  }
  return { body, digest, contentType: res.headers.get("content-type") ?? "" };
}

/** Downloads layer `layer` with diff ID `diffId` into `dir`, checking both digests. */
async function fetchLayer(
  client: RegistryClient,
  kernel: Kernel,
  path: string,
  layer: Descriptor,
  diffId: string,
  dir: string,
): Promise<void> {
  const res = await RegistryClient.check(
    await client.request(`/v2/${path}/blobs/${layer.digest}`, path),
    `blob ${layer.digest}`,
  );
  const blobHash = hashing();
  const tarHash = hashing();
  const tar = (await decompressed(res.body!.pipeThrough(blobHash.transform), layer.mediaType))
    .pipeThrough(tarHash.transform);
  try {
    await extractTar(tar, dir, { layer: kernel });
  } catch (err) {
    // Corrupt bytes usually break gzip or tar before the digest can be compared.
    if (err instanceof UserError) throw err;
    throw new UserError(
      `dockergsh: filesystem layer ${layer.digest} refused: ${(err as Error).message}`,
    );
  }
  const got = `sha256:${blobHash.hex()}`;
  if (got !== layer.digest) {
    throw new UserError(
      `dockergsh: filesystem layer verification failed for digest ${layer.digest} (got ${got})`,
    );
  }
  const gotDiff = `sha256:${tarHash.hex()}`;
  if (gotDiff !== diffId) {
    throw new UserError(
      `dockergsh: layer ${layer.digest}: uncompressed digest ${gotDiff} is not the diff ID ${diffId}`,
    );
  }
}

/** Runs `jobs` with at most `limit` at once; rejects with the first failure after all settle. */
async function limited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      await job().catch((err) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (errors.length) throw errors[0];
}

function imageConfigOf(config: Record<string, unknown> | undefined): ImageConfig {
  const c = (config ?? {}) as Record<string, never>;
  const out: ImageConfig = {};
  if (Array.isArray(c.Cmd)) out.cmd = c.Cmd;
  if (Array.isArray(c.Entrypoint)) out.entrypoint = c.Entrypoint;
  if (Array.isArray(c.Env)) out.env = c.Env;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = c.ExposedPorts;
  if (c.Labels) out.labels = c.Labels;
  if (c.StopSignal) out.stopSignal = c.StopSignal;
  if (c.Volumes) out.volumes = c.Volumes;
  if (c.Healthcheck) out.healthcheck = c.Healthcheck;
  return out;
}

/** Pulls `text` (`NAME[:TAG|@DIGEST]`) into `root`. */
export async function pullImage(
  root: StateRoot,
  kernel: Kernel,
  text: string,
  opts: PullOptions,
): Promise<PullResult> {
  const ref = parseRemoteReference(text);
  const client = new RegistryClient(ref.domain, {
    insecure: opts.insecureRegistries,
    credentials: credentialsFor(ref.domain),
  });
  try {
    return await pull(root, kernel, ref, client, opts);
  } catch (err) {
    if (err instanceof RegistryError) throw denied(ref, err);
    throw err;
  } finally {
    client.close();
  }
}

async function pull(
  root: StateRoot,
  kernel: Kernel,
  ref: RemoteReference,
  client: RegistryClient,
  opts: PullOptions,
): Promise<PullResult> {
  const path = ref.path;
  const top = await fetchVerified(client, path, "manifests", ref.digest ?? ref.tag!, {
    Accept: MANIFEST_ACCEPT,
  });
  let manifest = parseManifest(top.body, top.contentType);
  const want = opts.platform ?? hostPlatform();
  if (manifest.kind === "index") {
    const entry = selectPlatform(manifest, want);
    if (!entry) {
      throw new UserError(
        `dockergsh: Error response from daemon: no matching manifest for ${
          formatPlatform(want)
        } in the manifest list entries`,
      );
    }
    debug("registry", `${formatPlatform(want)}: ${entry.digest}`);
    const chosen = await fetchVerified(client, path, "manifests", entry.digest, {
      Accept: MANIFEST_ACCEPT,
    });
    manifest = parseManifest(chosen.body, chosen.contentType);
    if (manifest.kind !== "image") throw new UserError("dockergsh: an index inside an index");
  }
  const configBlob = await fetchVerified(client, path, "blobs", manifest.config.digest);
  const config = JSON.parse(new TextDecoder().decode(configBlob.body));
  const diffIds: string[] = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new UserError(
      `dockergsh: image config lists ${diffIds.length} diff IDs for ${manifest.layers.length} layers`,
    );
  }
  if (opts.platform && config.architecture && config.architecture !== want.architecture) {
    throw new UserError(
      `dockergsh: Error response from daemon: image with reference ${
        familiarReference(ref)
      } was found but does not match the specified platform: wanted ${
        formatPlatform(want)
      }, actual: ${config.os}/${config.architecture}`,
    );
  }
  opts.progress(`${ref.digest ?? ref.tag}: Pulling from ${path}`);
  const layers = new LayerStore(root);
  const short = (layer: Descriptor) => layer.digest.replace(/^sha256:/, "").slice(0, 12);
  const wanted = manifest.layers.map((layer, i) => ({ layer, diffId: diffIds[i] }))
    .filter(({ layer, diffId }) => {
      const have = layers.has(diffId);
      opts.progress(`${short(layer)}: ${have ? "Already exists" : "Pulling fs layer"}`);
      return !have;
    });
  const made: string[] = [];
  const jobs = wanted.map(({ layer, diffId }) => async () => {
    const fresh = await layers.ensure(diffId, async (dir) => {
      await fetchLayer(client, kernel, path, layer, diffId, dir);
      opts.progress(`${short(layer)}: Verifying Checksum`);
      opts.progress(`${short(layer)}: Download complete`);
    });
    if (fresh) made.push(diffId);
    // Another pull made it meanwhile (it held the layer's lock).
    opts.progress(`${short(layer)}: ${fresh ? "Pull complete" : "Already exists"}`);
  });
  try {
    await limited(jobs, MAX_CONCURRENT_DOWNLOADS);
  } catch (err) {
    // A failed pull leaves nothing: the layers it made that no image uses go too.
    new ImageStore(root).releaseLayers(made);
    throw err;
  }

  const image: PulledImage = {
    id: manifest.config.digest.slice(7),
    created: config.created ?? new Date(0).toISOString(),
    layers: diffIds,
    config: imageConfigOf(config.config),
    architecture: config.architecture ?? want.architecture,
    os: config.os ?? want.os,
  };
  const tag = localTag(ref);
  const upToDate = new ImageStore(root).recordPulled(
    image,
    tag,
    `${familiarRepository(ref)}@${top.digest}`,
  );
  const shown = familiarReference(ref);
  return {
    imageId: image.id,
    digest: top.digest,
    status: upToDate
      ? `Status: Image is up to date for ${shown}`
      : `Status: Downloaded newer image for ${shown}`,
    reference: qualifiedReference(ref),
  };
}
