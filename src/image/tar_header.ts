/**
 * Tar headers as `docker save` and Docker's layer diffs write them: ustar,
 * with a pax extended header (`x`) first for what ustar cannot hold (a
 * name or link target over 100 bytes, ids or sizes too large for their
 * octal fields, extended attributes).
 *
 * @module
 */

const BLOCK = 512;
const encoder = new TextEncoder();

/** One entry's header fields. */
export interface TarHeader {
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink";
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Bytes of content (files only). */
  size: number;
  linkname?: string;
  /** Extended attributes, written as pax `SCHILY.xattr.NAME` records (as GNU tar and Docker do). */
  xattrs?: ReadonlyMap<string, Uint8Array>;
}

const FLAGS = { file: "0", hardlink: "1", symlink: "2", dir: "5" } as const;

function octal(value: number, len: number): string {
  return value.toString(8).padStart(len - 1, "0") + "\0";
}

/** One pax record, "<len> <key>=<value>\n", with a value of bytes. */
function paxRecord(key: string, value: string | Uint8Array): Uint8Array {
  const head = encoder.encode(` ${key}=`);
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  const body = head.length + bytes.length + 1;
  let len = body + 1;
  while (String(len).length + body !== len) len++;
  const out = new Uint8Array(len);
  const digits = encoder.encode(String(len));
  out.set(digits, 0);
  out.set(head, digits.length);
  out.set(bytes, digits.length + head.length);
  out[len - 1] = 0x0a;
  return out;
}

/** The ustar block for `h` with `name`/`link` already cut to fit. */
function ustarBlock(
  h: TarHeader,
  flag: string,
  name: Uint8Array,
  link: Uint8Array,
  size: number,
): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (s: string, off: number) => block.set(encoder.encode(s), off);
  block.set(name.subarray(0, 100), 0);
  put(octal(h.mode & 0o7777, 8), 100);
  put(octal(Math.min(h.uid, 0o7777777), 8), 108);
  put(octal(Math.min(h.gid, 0o7777777), 8), 116);
  put(octal(Math.min(size, 0o77777777777), 12), 124);
  put(octal(Math.max(0, Math.floor(h.mtime)), 12), 136);
  put("        ", 148);
  block[156] = flag.charCodeAt(0);
  block.set(link.subarray(0, 100), 157);
  put("ustar\u000000", 257);
  let sum = 0;
  for (const b of block) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return block;
}

/** The header blocks of `h` (a pax header first when needed). */
export function tarHeader(h: TarHeader): Uint8Array {
  const flag = FLAGS[h.type];
  const name = encoder.encode(h.path);
  const link = encoder.encode(h.linkname ?? "");
  const size = h.type === "file" ? h.size : 0;
  const pax: Uint8Array[] = [];
  if (name.length > 100) pax.push(paxRecord("path", h.path));
  if (link.length > 100) pax.push(paxRecord("linkpath", h.linkname!));
  if (h.uid > 0o7777777) pax.push(paxRecord("uid", String(h.uid)));
  if (h.gid > 0o7777777) pax.push(paxRecord("gid", String(h.gid)));
  if (size > 0o77777777777) pax.push(paxRecord("size", String(size)));
  for (const [name, value] of h.xattrs ?? []) pax.push(paxRecord(`SCHILY.xattr.${name}`, value));
  const main = ustarBlock(h, flag, name, link, size);
  if (pax.length === 0) return main;
  const body = new Uint8Array(pax.reduce((n, r) => n + r.length, 0));
  pax.reduce((off, r) => (body.set(r, off), off + r.length), 0);
  const paxName = encoder.encode(`PaxHeaders.0/${h.path}`.slice(0, 100));
  const paxHead = ustarBlock({ ...h, type: "file" }, "x", paxName, new Uint8Array(0), body.length);
  const out = new Uint8Array(BLOCK + paddedLength(body.length) + BLOCK);
  out.set(paxHead, 0);
  out.set(body, BLOCK);
  out.set(main, BLOCK + paddedLength(body.length));
  return out;
}

/** `n` rounded up to whole blocks. */
export function paddedLength(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The zeros after `size` bytes of content that fill its last block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array(paddedLength(size) - size);
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = new Uint8Array(2 * BLOCK);
