/**
 * `import`: a rootfs tarball (what `docker export` writes, plain or
 * gzip-compressed) becomes a one-layer image. The archive is extracted
 * safely into a scratch directory, with its tar record, then renamed into
 * the layer store under its diff ID (the sha256 of the tar), and the image
 * config written (the message, else Docker's "Imported from -", as
 * comment and history), so a failed or interrupted import never leaves a
 * half image behind a tag.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { TarFormatError } from "./_tar_reader.ts";
import { hashing } from "./digest_stream.ts";
import { extractTar, UnsafeArchiveError } from "./extract.ts";
import { buildConfigBlob } from "./image_config.ts";
import { LayerStore } from "./layer_store.ts";
import { parseReference } from "./reference.ts";
import type { ImageConfig, ImageRecord, ImageStore } from "./store.ts";
import { TarRecordWriter } from "./tar_record.ts";

/** Splits off the first chunk so the stream's format can be sniffed. */
async function peek(
  stream: ReadableStream<Uint8Array>,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream: rest };
}

/** Imports the tarball in `source` as an image tagged `ref` (untagged when undefined). */
export async function importTarball(
  store: ImageStore,
  source: ReadableStream<Uint8Array>,
  ref: string | undefined,
  opts: { comment?: string; config?: ImageConfig } = {},
): Promise<ImageRecord> {
  if (ref !== undefined) parseReference(ref);
  const layers = new LayerStore(store.root);
  const scratch = layers.scratch("import");
  const rootfs = `${scratch}/rootfs`;
  Deno.mkdirSync(rootfs, { mode: 0o755 });
  let made: string | undefined;
  try {
    const { head, stream } = await peek(source);
    const gzipped = head[0] === 0x1f && head[1] === 0x8b;
    debug("image", `extracting ${gzipped ? "gzip-compressed " : ""}tarball into ${rootfs}`);
    const tar = gzipped
      ? stream.pipeThrough(
        new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
      )
      : stream;
    const digest = hashing();
    const record = new TarRecordWriter(`${scratch}/tar-record`);
    try {
      const result = await extractTar(tar.pipeThrough(digest.transform), rootfs, { tap: record });
      debug("image", `${result.entries} entries, ${result.size} bytes of files`);
    } finally {
      record.close();
    }
    const diffId = `sha256:${digest.hex()}`;
    if (await layers.adopt(rootfs, record.path, diffId)) made = diffId;
    const created = new Date().toISOString();
    // Docker's CLI streams the file, so the daemon's comment is "Imported from -".
    const comment = opts.comment ?? "Imported from -";
    const blob = buildConfigBlob({
      created,
      comment,
      config: opts.config ?? {},
      diffIds: [diffId],
      history: [{ created, comment }],
      architecture: "amd64",
      os: "linux",
    });
    return await store.createFromConfig(blob, ref === undefined ? [] : [ref]);
  } catch (err) {
    if (made) store.releaseLayers([made]);
    if (err instanceof UnsafeArchiveError || err instanceof TarFormatError) {
      throw new UserError(`dockergsh: import failed: ${err.message}`);
    }
    if (err instanceof TypeError && /gzip|decompress|corrupt/i.test(err.message)) {
      throw new UserError(`dockergsh: import failed: bad gzip data (${err.message})`);
    }
    throw err;
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
}
