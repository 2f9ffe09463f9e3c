/**
 * A streaming tar writer (POSIX ustar, with a pax extended header for
 * what ustar cannot hold: names or link targets past its fields, sizes of
 * 8 GiB and more), for `export` and `cp`. Entries are written in order as
 * they come; file contents are pulled from a reader callback, so nothing
 * is held in memory but one block.
 *
 * @module
 */

/** The kinds of entry a container's filesystem can hold (sockets have no tar form). */
export type TarKind = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

const TYPE_FLAG: Record<TarKind, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

/** One entry's header. */
export interface TarHeader {
  /** The path inside the archive, without a leading "/"; a directory's without its trailing "/". */
  name: string;
  kind: TarKind;
  /** Permission bits, with setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files only). */
  size: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Target of a symlink or hard link. */
  linkname?: string;
  devMajor?: number;
  devMinor?: number;
}

const BLOCK = 512;
const enc = new TextEncoder();

/** Where the archive goes: each call must write all of `data`. */
export type TarSink = (data: Uint8Array) => void;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** A pax record "LEN key=value\n", LEN counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

/** Splits `name` into ustar's prefix (155) and name (100) fields, or undefined. */
function ustarSplit(name: string): [string, string] | undefined {
  const bytes = enc.encode(name).length;
  if (bytes <= 100) return ["", name];
  for (let i = name.indexOf("/"); i >= 0; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (enc.encode(prefix).length <= 155 && enc.encode(rest).length <= 100 && rest !== "") {
      return [prefix, rest];
    }
  }
  return undefined;
}

function headerBlock(h: TarHeader, name: string, prefix: string, flag: string): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const put = (s: string, off: number, max: number) => b.set(enc.encode(s).subarray(0, max), off);
  put(name, 0, 100);
  put(octal(h.mode & 0o7777, 8), 100, 8);
  put(octal(h.uid, 8), 108, 8);
  put(octal(h.gid, 8), 116, 8);
  put(octal(h.size < 8 ** 11 ? h.size : 0, 12), 124, 12);
  put(octal(Math.max(0, Math.floor(h.mtime)), 12), 136, 12);
  put("        ", 148, 8);
  b[156] = flag.charCodeAt(0);
  put(h.linkname ?? "", 157, 100);
  put("ustar\x0000", 257, 8);
  put(h.uid === 0 ? "root" : "", 265, 32);
  put(h.gid === 0 ? "root" : "", 297, 32);
  put(octal(h.devMajor ?? 0, 8), 329, 8);
  put(octal(h.devMinor ?? 0, 8), 337, 8);
  put(prefix, 345, 155);
  let sum = 0;
  for (const x of b) sum += x;
  put(octal(sum, 7) + " ", 148, 8);
  return b;
}

/** Writes tar entries to `sink`, in the order given. */
export class TarWriter {
  constructor(private readonly sink: TarSink) {}

  /**
   * Writes one entry. For a regular file, `read` fills the buffer it is
   * given and returns how many bytes it put there (0 at the end); exactly
   * `header.size` bytes are written, zero-filled if the file shrank
   * meanwhile, cut if it grew.
   */
  add(header: TarHeader, read?: (buf: Uint8Array) => number): void {
    const name = header.kind === "dir" ? `${header.name}/` : header.name;
    const split = ustarSplit(name);
    const linkTooLong = enc.encode(header.linkname ?? "").length > 100;
    const sizeTooBig = header.size >= 8 ** 11;
    if (!split || linkTooLong || sizeTooBig) {
      const records = (split ? "" : paxRecord("path", name)) +
        (linkTooLong ? paxRecord("linkpath", header.linkname!) : "") +
        (sizeTooBig ? paxRecord("size", String(header.size)) : "");
      const body = enc.encode(records);
      const paxName = `PaxHeaders/${name.replace(/\/$/, "").split("/").pop()}`.slice(0, 100);
      this.sink(headerBlock({ ...header, kind: "file", size: body.length }, paxName, "", "x"));
      this.writePadded(body);
    }
    const [prefix, short] = split ?? ["", name.slice(0, 100)];
    this.sink(headerBlock(header, short, prefix, TYPE_FLAG[header.kind]));
    if (header.kind === "file" && header.size > 0) this.copyContent(header.size, read);
  }

  private copyContent(size: number, read?: (buf: Uint8Array) => number): void {
    const buf = new Uint8Array(64 * 1024);
    let left = size;
    while (left > 0) {
      const want = Math.min(left, buf.length);
      const chunk = buf.subarray(0, want);
      let n = read ? read(chunk) : 0;
      if (n === 0) {
        // The file shrank while being read: the header promised `size` bytes.
        chunk.fill(0);
        n = want;
      }
      this.sink(chunk.subarray(0, n));
      left -= n;
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) this.sink(new Uint8Array(pad));
  }

  private writePadded(data: Uint8Array): void {
    this.sink(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) this.sink(new Uint8Array(pad));
  }

  /** Ends the archive (two zero blocks). */
  finish(): void {
    this.sink(new Uint8Array(2 * BLOCK));
  }
}
