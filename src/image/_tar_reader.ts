/**
 * A streaming reader of tar archives, as `docker export` and GNU/BSD tar
 * write them: ustar headers with their prefix field, GNU long names (`L`,
 * `K`), pax extended headers (`x`; global `g` ones are read and ignored),
 * and base-256 numbers for large sizes and ids. Headers are checksummed, so
 * a file that is not a tar archive is an error, not garbage extracted.
 *
 * A `TarTap` sees the archive as it passes: every byte as it was, except
 * the contents of regular files the reader's user read (those it wrote
 * somewhere), which the tap sees as their path and size. That is what a
 * layer's tar record keeps (src/image/tar_record.ts).
 *
 * @module
 */

const BLOCK = 512;
const CHUNK = 64 * 1024;

/** What kind of file a tar entry is. */
export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

/** One entry of an archive; `chunks()` yields its content (files only). */
export interface TarEntry {
  /** The path as stored (not yet checked or normalised: that is the extractor's job). */
  path: string;
  type: TarEntryType;
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  /** Target of a symlink or hard link. */
  linkname: string;
  /** Extended attributes from pax `SCHILY.xattr.*` records, by name. */
  xattrs: Map<string, Uint8Array>;
  chunks(): AsyncGenerator<Uint8Array>;
}

/** What sees an archive's bytes as they are read (see the module comment). */
export interface TarTap {
  /** Bytes of the archive, as they were (headers, padding, unread contents, the end). */
  raw(bytes: Uint8Array): void;
  /** The `size` bytes of content of the entry stored as `path`, read by the reader's user. */
  content(path: string, size: number): void;
}

/** The archive is malformed. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

/** Reads exact byte counts from a stream. */
class ByteReader {
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Up to `max` bytes (at least one), or undefined at the end of the stream. */
  async some(max: number): Promise<Uint8Array | undefined> {
    while (this.off >= this.buf.length) {
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buf = value;
      this.off = 0;
    }
    const out = this.buf.subarray(this.off, this.off + max);
    this.off += out.length;
    return out;
  }

  /** Exactly `n` bytes, or undefined when the stream ends first. */
  async exact(n: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const part = await this.some(n - got);
      if (!part) return undefined;
      out.set(part, got);
      got += part.length;
    }
    return out;
  }

  /** Reads the stream to its end (so whatever hashes it as it passes sees every byte). */
  async drain(tap?: TarTap): Promise<void> {
    let part;
    while ((part = await this.some(CHUNK))) tap?.raw(part.slice());
  }

  async skip(n: number, tap?: TarTap): Promise<void> {
    let left = n;
    while (left > 0) {
      const part = await this.some(Math.min(left, CHUNK));
      if (!part) throw new TarFormatError("unexpected end of archive");
      tap?.raw(part.slice());
      left -= part.length;
    }
  }
}

const decoder = new TextDecoder();

function text(block: Uint8Array, start: number, len: number): string {
  const field = block.subarray(start, start + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** An octal field, or a base-256 one (high bit of the first byte set). */
function number(block: Uint8Array, start: number, len: number): number {
  const field = block.subarray(start, start + len);
  if (field[0] & 0x80) {
    let n = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const s = text(block, start, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad number field "${s}" in tar header`);
  return parseInt(s, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  const stored = text(block, 148, 8).trim();
  return /^[0-7]+$/.test(stored) && sum === parseInt(stored, 8);
}

/** The pax key of an extended attribute (GNU tar's and Go's), before its name. */
const XATTR_KEY = "SCHILY.xattr.";

/**
 * Pax records: "<len> <key>=<value>\n" repeated. Values are text, but an
 * extended attribute's (`SCHILY.xattr.NAME`) are bytes, kept as they are.
 */
function parsePax(
  data: Uint8Array,
): { text: Map<string, string>; xattrs: Map<string, Uint8Array> } {
  const text = new Map<string, string>();
  const xattrs = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!(len > 0) || pos + len > data.length) throw new TarFormatError("bad pax header record");
    const end = pos + len - 1;
    const eq = data.subarray(space + 1, end).indexOf(0x3d);
    if (eq > 0) {
      const key = decoder.decode(data.subarray(space + 1, space + 1 + eq));
      const value = data.slice(space + 2 + eq, end);
      if (key.startsWith(XATTR_KEY)) xattrs.set(key.slice(XATTR_KEY.length), value);
      else text.set(key, decoder.decode(value));
    }
    pos += len;
  }
  return { text, xattrs };
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

/** Yields the entries of the tar archive in `stream`, in order; `tap` sees its bytes. */
export async function* readTar(
  stream: ReadableStream<Uint8Array>,
  tap?: TarTap,
): AsyncGenerator<TarEntry> {
  const bytes = new ByteReader(stream.getReader());
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  let xattrs = new Map<string, Uint8Array>();
  while (true) {
    const block = await bytes.exact(BLOCK);
    if (!block) throw new TarFormatError("unexpected end of archive (no end-of-archive marker)");
    tap?.raw(block);
    if (block.every((b) => b === 0)) return await bytes.drain(tap);
    if (!checksumOk(block)) throw new TarFormatError("not a tar archive (bad header checksum)");
    const flag = String.fromCharCode(block[156]);
    const size = number(block, 124, 12);
    if (flag === "L" || flag === "K" || flag === "x" || flag === "g") {
      const data = await bytes.exact(Math.ceil(size / BLOCK) * BLOCK);
      if (!data) throw new TarFormatError("unexpected end of archive");
      tap?.raw(data);
      const body = data.subarray(0, size);
      if (flag === "L") longName = text(body, 0, size);
      else if (flag === "K") longLink = text(body, 0, size);
      else if (flag === "x") ({ text: pax, xattrs } = parsePax(body));
      continue;
    }
    const type = TYPES[flag];
    if (!type) throw new TarFormatError(`unsupported tar entry type '${flag}'`);

    const prefix = text(block, 345, 155);
    const ustarName = prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100);
    const paxNumber = (key: string, fallback: number) =>
      pax.has(key) ? Math.floor(Number(pax.get(key))) : fallback;
    const storedSize = paxNumber("size", size);
    const entrySize = type === "file" ? storedSize : 0;
    let consumed = 0;
    const entry: TarEntry = {
      path: pax.get("path") ?? longName ?? ustarName,
      type,
      mode: number(block, 100, 8) & 0o7777,
      uid: paxNumber("uid", number(block, 108, 8)),
      gid: paxNumber("gid", number(block, 116, 8)),
      mtime: paxNumber("mtime", number(block, 136, 12)),
      size: entrySize,
      linkname: pax.get("linkpath") ?? longLink ?? text(block, 157, 100),
      xattrs,
      async *chunks() {
        while (consumed < entrySize) {
          const part = await bytes.some(Math.min(CHUNK, entrySize - consumed));
          if (!part) throw new TarFormatError("unexpected end of archive inside a file");
          consumed += part.length;
          yield part;
        }
      },
    };
    longName = longLink = undefined;
    pax = new Map();
    xattrs = new Map();
    yield entry;
    if (consumed > 0 && consumed < entrySize) {
      throw new TarFormatError(`entry "${entry.path}" was read in part only`);
    }
    if (consumed > 0) tap?.content(entry.path, consumed);
    await bytes.skip(Math.ceil(storedSize / BLOCK) * BLOCK - consumed, tap);
  }
}
