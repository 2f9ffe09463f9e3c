/**
 * `import`: a rootfs tarball (what `docker export` writes, plain or
 * gzip-compressed) becomes a one-layer image. The archive is extracted
 * safely into a scratch directory, then renamed into the layer store under
 * its diff ID (the sha256 of the tar), so a failed or interrupted import
 * never leaves a half image behind a tag.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { TarFormatError } from "./_tar_reader.ts";
import { hashing } from "./digest_stream.ts";
import { extractTar, UnsafeArchiveError } from "./extract.ts";
import { parseReference } from "./reference.ts";
import { type ImageConfig, type ImageRecord, ImageStore } from "./store.ts";

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
  const scratch = store.scratchDir("import-");
  const rootfs = `${scratch}/rootfs`;
  Deno.mkdirSync(rootfs, { mode: 0o755 });
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
    const result = await extractTar(tar.pipeThrough(digest.transform), rootfs);
    debug("image", `${result.entries} entries, ${result.size} bytes of files`);
    return await store.createFromDirectory(rootfs, ref, {
      ...opts,
      diffId: `sha256:${digest.hex()}`,
    });
  } catch (err) {
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
