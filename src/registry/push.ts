/**
 * `push`: an image from the store to a registry, with the distribution
 * API. For each layer, top first in the output as Docker prints it:
 *
 * 1. a blob of it this repository is known to hold (pulled from or pushed
 *    to it before; `<root>/layers/<hex>.blobs.json`) that a HEAD finds
 *    there: "Layer already exists";
 * 2. a blob of it another repository of the same registry holds: a
 *    cross-repository mount (`POST …/blobs/uploads/?mount=D&from=R`, with
 *    a token that may also pull R): "Mounted from R";
 * 3. else its tar, produced again from the layer's files and tar record
 *    (checked against its diff ID before a byte leaves), gzip-compressed
 *    into `<root>/tmp`; a HEAD of that digest, then an upload (`POST`,
 *    one streamed `PATCH`, `PUT ?digest=`): "Pushed".
 *
 * Then the config blob (the image's own, so its ID stays the same), then
 * the manifest: Docker schema2, or OCI when a layer's media type has no
 * Docker name (zstd). The digest line and a new RepoDigest close it.
 * Tokens ask for `pull,push` on the repository (the registry's challenge
 * says so), plus `pull` on a repository mounted from.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import { type LayerBlob, LayerStore } from "../image/layer_store.ts";
import {
  familiarRepository,
  localTag,
  parseRemoteReference,
  type RemoteReference,
} from "../image/reference.ts";
import { ImageStore } from "../image/store.ts";
import { replayTarRecord } from "../image/tar_record_replay.ts";
import { lstatOrUndefined } from "../_fs.ts";
import type { StateRoot } from "../store/paths.ts";
import { RegistryClient, RegistryError } from "./client.ts";
import { credentialsFor } from "./credentials.ts";
import type { ProgressSink } from "./progress.ts";
import { type Descriptor, MEDIA } from "./manifest.ts";

/** What `push` is told. */
export interface PushOptions {
  insecureRegistries: readonly string[];
  /** Where progress events go (src/registry/progress.ts). */
  progress: ProgressSink;
}

/** What a push did: Docker's last line is `TAG: digest: DIGEST size: SIZE`. */
export interface PushResult {
  tag: string;
  digest: string;
  size: number;
}

/** Docker's default `max-concurrent-uploads`. */
const MAX_CONCURRENT_UPLOADS = 5;

const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

/** Layer media types in both manifest formats; zstd has no Docker name. */
const LAYER_TYPES: { docker?: string; oci: string }[] = [
  {
    docker: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    oci: "application/vnd.oci.image.layer.v1.tar+gzip",
  },
  {
    docker: "application/vnd.docker.image.rootfs.diff.tar",
    oci: "application/vnd.oci.image.layer.v1.tar",
  },
  { oci: "application/vnd.oci.image.layer.v1.tar+zstd" },
];

function layerType(mediaType: string) {
  const t = LAYER_TYPES.find((t) => t.docker === mediaType || t.oci === mediaType);
  if (!t) throw new UserError(`dockergsh: layer media type "${mediaType}" cannot be pushed`);
  return t;
}

/** A layer's blob as pushed: its descriptor with the media type it came with. */
interface PushedLayer {
  digest: string;
  size: number;
  mediaType: string;
}

/** Docker's words for a refused push. */
function refused(err: RegistryError): UserError {
  if (err.status === 401 || err.status === 403) {
    return new UserError(
      `dockergsh: denied: requested access to the resource is denied (${err.message})`,
    );
  }
  return new UserError(`dockergsh: ${err.message}`);
}

/** One push of one image to one repository. */
class Push {
  private readonly layers: LayerStore;
  private readonly scope: string;

  constructor(
    private readonly root: StateRoot,
    private readonly ref: RemoteReference,
    private readonly client: RegistryClient,
    private readonly opts: PushOptions,
  ) {
    this.layers = new LayerStore(root);
    this.scope = `${ref.path} push`;
  }

  private request(
    path: string,
    init: Parameters<RegistryClient["request"]>[2] = {},
  ): Promise<Response> {
    return this.client.request(path, this.scope, init);
  }

  /** Whether the repository has blob `digest` (HEAD). */
  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request(`/v2/${this.ref.path}/blobs/${digest}`, { method: "HEAD" });
    await res.body?.cancel();
    if (res.status === 404) return false;
    await RegistryClient.check(res, `blob ${digest}`);
    return true;
  }

  /** Mounts `blob` from its repository; false when the registry would not (it then gets no upload). */
  async mount(blob: LayerBlob): Promise<boolean> {
    const query = `mount=${encodeURIComponent(blob.digest)}&from=${
      encodeURIComponent(blob.repository)
    }`;
    const res = await this.request(`/v2/${this.ref.path}/blobs/uploads/?${query}`, {
      method: "POST",
      extraScopes: [`repository:${blob.repository}:pull`],
    });
    await res.body?.cancel();
    if (res.status === 201) return true;
    if (res.status === 202) {
      // An upload was started instead: not used, so cancelled.
      const location = res.headers.get("location");
      if (location) {
        const cancel = await this.request(await this.client.resolve(location), {
          method: "DELETE",
        });
        await cancel.body?.cancel();
      }
      return false;
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) return false;
    await RegistryClient.check(res, `mount of ${blob.digest}`);
    return false;
  }

  /** Uploads blob `digest`: POST, then the body streamed by one PATCH, then PUT ?digest=. */
  async upload(digest: string, body: () => BodyInit): Promise<void> {
    const start = await RegistryClient.check(
      await this.request(`/v2/${this.ref.path}/blobs/uploads/`, { method: "POST" }),
      `upload of ${digest}`,
    );
    await start.body?.cancel();
    let location = await this.location(start);
    const patched = await RegistryClient.check(
      await this.request(location, {
        method: "PATCH",
        headers: { "Content-Type": "application/octet-stream" },
        body,
      }),
      `upload of ${digest}`,
    );
    await patched.body?.cancel();
    location = await this.location(patched);
    const url = `${location}${location.includes("?") ? "&" : "?"}digest=${
      encodeURIComponent(digest)
    }`;
    const done = await RegistryClient.check(
      await this.request(url, { method: "PUT" }),
      `upload of ${digest}`,
    );
    await done.body?.cancel();
  }

  private async location(res: Response): Promise<string> {
    const location = res.headers.get("location");
    if (!location) throw new RegistryError("the registry gave no upload location", res.status);
    return await this.client.resolve(location);
  }

  /** Pushes layer `diffId`: skipped, mounted or uploaded; resolves to its blob. */
  async layer(diffId: string): Promise<PushedLayer> {
    const short = diffId.slice(7, 19);
    const known = this.layers.blobs(diffId).filter((b) => b.registry === this.ref.domain);
    for (const blob of known.filter((b) => b.repository === this.ref.path)) {
      if (await this.hasBlob(blob.digest)) {
        this.opts.progress({ id: short, status: "Layer already exists", layer: true });
        return blob;
      }
    }
    for (const blob of known.filter((b) => b.repository !== this.ref.path)) {
      if (await this.mount(blob)) {
        this.record(diffId, blob);
        this.opts.progress({ id: short, status: `Mounted from ${blob.repository}`, layer: true });
        return blob;
      }
    }
    const compressed = await this.compress(diffId);
    try {
      const blob = { ...compressed, mediaType: LAYER_TYPES[0].docker! };
      if (await this.hasBlob(blob.digest)) {
        this.opts.progress({ id: short, status: "Layer already exists", layer: true });
      } else {
        await this.upload(blob.digest, () => this.counted(short, compressed.path, blob.size));
        this.opts.progress({ id: short, status: "Pushed", layer: true });
      }
      this.record(diffId, blob);
      return blob;
    } finally {
      Deno.removeSync(compressed.path);
    }
  }

  /** The file at `path` as an upload body, with Docker's `Pushing` byte counts as it goes. */
  private counted(id: string, path: string, total: number): ReadableStream<Uint8Array> {
    const start = Date.now();
    let current = 0;
    let shown = 0;
    const progress = this.opts.progress;
    return Deno.openSync(path).readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          current += chunk.length;
          // A redraw at most every 100 ms: a terminal is slower than a socket.
          if (Date.now() - shown >= 100) {
            shown = Date.now();
            progress({ id, status: "Pushing", layer: true, current, total, start });
          }
          controller.enqueue(chunk);
        },
      }),
    );
  }

  private record(diffId: string, blob: PushedLayer): void {
    this.layers.addBlob(diffId, {
      digest: blob.digest,
      mediaType: blob.mediaType,
      size: blob.size,
      registry: this.ref.domain,
      repository: this.ref.path,
    });
  }

  /** Layer `diffId`'s tar, gzip-compressed into a file under `<root>/tmp`: its path, digest, size. */
  private async compress(diffId: string): Promise<{ path: string; digest: string; size: number }> {
    const recordPath = this.layers.recordPath(diffId);
    if (!lstatOrUndefined(recordPath)?.isFile) {
      throw new UserError(
        `dockergsh: layer ${diffId} has no tar record (stored by an older dockergsh): pull or import its image again to push it`,
      );
    }
    const tmp = `${this.root.root}/tmp`;
    Deno.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    // Named as LayerStore's scratch is, so a killed push's file is swept too.
    const path = Deno.makeTempFileSync({ dir: tmp, prefix: `push-${Deno.pid}-` });
    try {
      const hash = createHash("sha256");
      let size = 0;
      const file = Deno.openSync(path, { write: true, truncate: true });
      await replayTarRecord(recordPath, this.layers.dir(diffId), diffId)
        .pipeThrough(new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
        .pipeThrough(
          new TransformStream({
            transform(chunk, controller) {
              hash.update(chunk);
              size += chunk.length;
              controller.enqueue(chunk);
            },
          }),
        )
        .pipeTo(file.writable);
      return { path, digest: `sha256:${hash.digest("hex")}`, size };
    } catch (err) {
      Deno.removeSync(path);
      if (err instanceof UserError) throw err;
      throw new UserError(`dockergsh: layer ${diffId}: ${(err as Error).message}`);
    }
  }

  /** Pushes the config blob `blob` (digest `sha256:<id>`) unless the repository has it. */
  async config(blob: Uint8Array, digest: string): Promise<void> {
    if (await this.hasBlob(digest)) return;
    await this.upload(digest, () => blob as Uint8Array<ArrayBuffer>);
  }

  /** PUTs `manifest` as `tag`; resolves to its digest. */
  async manifest(body: Uint8Array, mediaType: string, tag: string): Promise<string> {
    const res = await RegistryClient.check(
      await this.request(`/v2/${this.ref.path}/manifests/${tag}`, {
        method: "PUT",
        headers: { "Content-Type": mediaType },
        body: () => body as Uint8Array<ArrayBuffer>,
      }),
      `manifest ${tag}`,
    );
    await res.body?.cancel();
    return `sha256:${createHash("sha256").update(body).digest("hex")}`;
  }
}

/** Runs `jobs` with at most `limit` at once; rejects with the first failure after all settle. */
async function limited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      await jobs[i]().then((v) => (out[i] = v), (err) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (errors.length) throw errors[0];
  return out;
}

/** The manifest of `config` and `layers`: Docker schema2, or OCI when a layer needs it. */
function buildManifest(
  config: Descriptor,
  layers: PushedLayer[],
): { body: Uint8Array; mediaType: string } {
  const oci = layers.some((l) => layerType(l.mediaType).docker === undefined);
  const mediaType = oci ? MEDIA.ociManifest : MEDIA.dockerManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: oci ? OCI_CONFIG : DOCKER_CONFIG,
      size: config.size,
      digest: config.digest,
    },
    layers: layers.map((l) => {
      const t = layerType(l.mediaType);
      return { mediaType: oci ? t.oci : t.docker!, size: l.size, digest: l.digest };
    }),
  };
  // Docker's own layout: three-space indents.
  return { body: new TextEncoder().encode(JSON.stringify(manifest, null, 3)), mediaType };
}

/** The local image tagged `name`, with its config blob; Docker's error when there is none. */
function localImage(images: ImageStore, name: string, ref: RemoteReference) {
  const image = images.find(name);
  if (!image) {
    throw new UserError(
      `dockergsh: Error response from daemon: An image does not exist locally with the tag: ${
        familiarRepository(ref)
      }`,
    );
  }
  const blob = images.configBlob(image.id);
  if (!blob || !image.layers) {
    throw new UserError(
      `dockergsh: image ${name} was stored by an older dockergsh without its config: pull or import it again to push it`,
    );
  }
  return { image, blob, layers: image.layers };
}

/** Pushes tag `tag` of `ref`'s repository; prints its lines and `TAG: digest: … size: N`. */
async function pushTag(
  root: StateRoot,
  client: RegistryClient,
  ref: RemoteReference,
  tag: string,
  opts: PushOptions,
): Promise<PushResult> {
  const images = new ImageStore(root);
  const { image, blob, layers } = localImage(images, localTag({ ...ref, tag })!, ref);
  const push = new Push(root, ref, client, opts);
  for (const diffId of [...layers].reverse()) {
    opts.progress({ id: diffId.slice(7, 19), status: "Preparing", layer: true });
  }
  const pushed = await limited(
    layers.map((diffId) => () => push.layer(diffId)),
    MAX_CONCURRENT_UPLOADS,
  );
  const config = { mediaType: DOCKER_CONFIG, digest: `sha256:${image.id}`, size: blob.length };
  await push.config(blob, config.digest);
  const manifest = buildManifest(config, pushed);
  const digest = await push.manifest(manifest.body, manifest.mediaType, tag);
  images.addRepoDigest(image.id, `${familiarRepository(ref)}@${digest}`);
  opts.progress({ id: tag, status: `digest: ${digest} size: ${manifest.body.length}` });
  return { tag, digest, size: manifest.body.length };
}

/**
 * Pushes the local image `text` (`NAME[:TAG]`) to its registry, or with
 * `allTags` (`NAME` only) every local tag of that repository, in tag order,
 * as `docker push -a`. Resolves to one result per tag pushed.
 */
export async function pushImage(
  root: StateRoot,
  text: string,
  opts: PushOptions & { allTags?: boolean },
): Promise<PushResult[]> {
  const ref = parseRemoteReference(text);
  if (ref.digest) throw new UserError(`dockergsh: cannot push a digest reference: "${text}"`);
  const images = new ImageStore(root);
  let tags = [ref.tag!];
  if (opts.allTags) {
    if (text.slice(text.lastIndexOf("/") + 1).includes(":")) {
      throw new UserError("tag can't be used with --all-tags/-a", 1);
    }
    const repo = familiarRepository(ref);
    tags = images.list().flatMap((i) => i.repoTags)
      .filter((t) => t.slice(0, t.lastIndexOf(":")) === repo)
      .map((t) => t.slice(t.lastIndexOf(":") + 1)).sort();
  }
  // Docker's order: the repository line, then the local lookup's error.
  opts.progress({ status: `The push refers to repository [${ref.domain}/${ref.path}]` });
  if (tags.length === 0) localImage(images, localTag(ref)!, ref);
  for (const tag of tags) localImage(images, localTag({ ...ref, tag })!, ref);
  const client = new RegistryClient(ref.domain, {
    insecure: opts.insecureRegistries,
    credentials: credentialsFor(ref.domain),
  });
  try {
    const results: PushResult[] = [];
    for (const tag of tags) results.push(await pushTag(root, client, ref, tag, opts));
    return results;
  } catch (err) {
    if (err instanceof RegistryError) throw refused(err);
    throw err;
  } finally {
    client.close();
  }
}
