/**
 * Replaying a layer's tar record (src/image/tar_record.ts): the exact tar
 * again from the record and the layer's directory. Every file is read from
 * the directory without following a symlink on the way (the layer's own
 * symlinks may point anywhere) and must have the size it had; the whole
 * is checked against the diff ID, so a directory that no longer matches its
 * record is an error, never a wrong archive.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { lstatOrUndefined } from "../_fs.ts";
import { entryComponents } from "./extract.ts";
import { MAGIC } from "./tar_record.ts";

const READ_CHUNK = 1 << 20;

/** One record of a tar record file. */
type Segment = { raw: Uint8Array } | { path: string; size: number };

/** The segments of the record file at `path`. */
function readSegments(path: string): Segment[] {
  const data = Deno.readFileSync(path);
  if (MAGIC.some((b, i) => data[i] !== b)) throw new Error(`${path}: not a tar record`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Segment[] = [];
  let off = MAGIC.length;
  const need = (n: number) => {
    if (off + n > data.length) throw new Error(`${path}: truncated tar record`);
  };
  while (off < data.length) {
    need(1);
    const kind = data[off++];
    if (kind === 0x52) {
      need(4);
      const n = view.getUint32(off);
      off += 4;
      need(n);
      out.push({ raw: data.subarray(off, off + n) });
      off += n;
    } else if (kind === 0x46) {
      need(2);
      const n = view.getUint16(off);
      off += 2;
      need(n + 8);
      const name = new TextDecoder().decode(data.subarray(off, off + n));
      off += n;
      out.push({ path: name, size: Number(view.getBigUint64(off)) });
      off += 8;
    } else {
      throw new Error(`${path}: bad tar record`);
    }
  }
  return out;
}

/** Bytes of the archive the record at `path` stands for. */
export function recordedArchiveSize(path: string): number {
  return readSegments(path).reduce((n, s) => n + ("raw" in s ? s.raw.length : s.size), 0);
}

/** Opens `dir/<entry path>`: a regular file of `size` bytes reached through no symlink. */
function openContent(dir: string, entryPath: string, size: number): Deno.FsFile {
  const parts = entryComponents(entryPath);
  let path = dir;
  for (const part of parts.slice(0, -1)) {
    path = `${path}/${part}`;
    const info = lstatOrUndefined(path);
    if (!info?.isDirectory) {
      throw new Error(`layer file "${entryPath}": '${path}' is not a directory`);
    }
  }
  path = `${path}/${parts[parts.length - 1]}`;
  const info = lstatOrUndefined(path);
  if (!info?.isFile || info.size !== size) {
    throw new Error(`layer file "${entryPath}" is not the ${size}-byte file it was`);
  }
  return Deno.openSync(path, { read: true });
}

/**
 * The archive the record at `recordPath` and the layer directory `dir`
 * stand for; the stream fails at its end when its sha256 is not `diffId`.
 */
export function replayTarRecord(
  recordPath: string,
  dir: string,
  diffId: string,
): ReadableStream<Uint8Array> {
  const segments = readSegments(recordPath);
  const hash = createHash("sha256");
  let index = 0;
  let file: Deno.FsFile | undefined;
  let left = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      while (true) {
        if (file) {
          const buf = new Uint8Array(Math.min(READ_CHUNK, left));
          const n = file.readSync(buf);
          if (n === null || n === 0) {
            file.close();
            file = undefined;
            throw new Error("a layer file shrank while it was read");
          }
          left -= n;
          if (left === 0) {
            file.close();
            file = undefined;
          }
          const chunk = buf.subarray(0, n);
          hash.update(chunk);
          controller.enqueue(chunk);
          return;
        }
        if (index === segments.length) {
          const got = `sha256:${hash.digest("hex")}`;
          if (got !== diffId) {
            throw new Error(`layer ${diffId} no longer matches its files (its tar is ${got})`);
          }
          controller.close();
          return;
        }
        const seg = segments[index++];
        if ("raw" in seg) {
          hash.update(seg.raw);
          controller.enqueue(seg.raw);
          return;
        }
        if (seg.size === 0) continue;
        file = openContent(dir, seg.path, seg.size);
        left = seg.size;
      }
    },
    cancel() {
      file?.close();
    },
  });
}
