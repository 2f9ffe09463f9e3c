/**
 * Builds tar archives for tests, including ones no well-behaved tar would
 * write (`..` paths, files through symlinks): the hostile inputs the
 * extractor must contain.
 *
 * @module
 */

import { concatBytes } from "../src/_bytes.ts";

/** One entry to write. */
export interface TestEntry {
  name: string;
  type?: "file" | "dir" | "symlink" | "hardlink" | "char" | "fifo";
  /** Content of a file: text, or bytes (a layer.tar inside a `docker save` archive). */
  data?: string | Uint8Array;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch (default 1700000000). */
  mtime?: number;
  /** Write the name in a pax header instead of the ustar field (long names). */
  pax?: boolean;
  /** Extended attributes, as pax `SCHILY.xattr.NAME` records (values of chars below 0x80). */
  xattrs?: Record<string, string>;
}

const FLAGS = { file: "0", hardlink: "1", symlink: "2", char: "3", dir: "5", fifo: "6" };
const enc = new TextEncoder();

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, "0") + "\0";
}

function header(name: string, flag: string, size: number, e: TestEntry): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, off: number) => h.set(enc.encode(s), off);
  put(name.slice(0, 100), 0);
  put(octal(e.mode ?? (flag === "5" ? 0o755 : 0o644), 8), 100);
  put(octal(e.uid ?? 0, 8), 108);
  put(octal(e.gid ?? 0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(e.mtime ?? 1_700_000_000, 12), 136);
  put("        ", 148);
  h[156] = flag.charCodeAt(0);
  put((e.linkname ?? "").slice(0, 100), 157);
  put("ustar\0" + "00", 257);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len++;
  return `${len}${body}`;
}

/** A tar archive of `entries`, in order, with the end-of-archive marker. */
export function buildTar(entries: TestEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" || e.data === undefined
      ? enc.encode(e.data ?? "")
      : e.data;
    const records = [
      ...(e.pax ? [paxRecord("path", e.name)] : []),
      ...Object.entries(e.xattrs ?? {}).map(([k, v]) => paxRecord(`SCHILY.xattr.${k}`, v)),
    ];
    if (records.length) {
      const pax = enc.encode(records.join(""));
      parts.push(header("PaxHeader", "x", pax.length, { name: "PaxHeader" }), padded(pax));
    }
    parts.push(header(e.name, FLAGS[e.type ?? "file"], data.length, e), padded(data));
  }
  parts.push(new Uint8Array(1024));
  return concatBytes(...parts);
}

/** `bytes` as a stream, the way a file or stdin arrives. */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.slice(i, i + 1000));
      c.close();
    },
  });
}
