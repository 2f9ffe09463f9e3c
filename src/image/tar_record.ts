/**
 * A layer's tar record: the tar archive the layer was made from, less the
 * contents of its regular files, which the layer's directory holds. With
 * the directory it gives back that exact archive, byte for byte, so the
 * layer's diff ID (the sha256 of its tar) still holds when the layer is
 * pushed or saved, however the archive was written (Docker keeps
 * "tar-split" data for the same reason).
 *
 * Format: `DGSHTAR1`, then records:
 *
 *     'R' u32 N, N bytes          archive bytes as they were
 *     'F' u16 N, N bytes, u64 S   S bytes of content of the entry stored as
 *                                 the UTF-8 path of N bytes: read from the
 *                                 layer's directory
 *
 * Writing one is here (every layer made does it); replaying one, which
 * hashes, is in src/image/tar_record_replay.ts, loaded only by push and
 * save (node:crypto costs start-up time every other command would pay).
 *
 * @module
 */

import type { TarTap } from "./_tar_reader.ts";

/** The first bytes of a tar record file. */
export const MAGIC = new TextEncoder().encode("DGSHTAR1");
const FLUSH_AT = 1 << 20;

/** Writes a tar record to a new file as the archive passes a `TarTap`. */
export class TarRecordWriter implements TarTap {
  private readonly file: Deno.FsFile;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private rawRun: Uint8Array[] = [];
  private rawBytes = 0;

  constructor(readonly path: string) {
    this.file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
    this.push(MAGIC);
  }

  raw(bytes: Uint8Array): void {
    this.rawRun.push(bytes);
    this.rawBytes += bytes.length;
    if (this.rawBytes >= FLUSH_AT) this.endRaw();
  }

  content(path: string, size: number): void {
    this.endRaw();
    const name = new TextEncoder().encode(path);
    const head = new Uint8Array(1 + 2 + name.length + 8);
    const view = new DataView(head.buffer);
    head[0] = 0x46; // 'F'
    view.setUint16(1, name.length);
    head.set(name, 3);
    view.setBigUint64(3 + name.length, BigInt(size));
    this.push(head);
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    this.endRaw();
    this.flush();
    this.file.close();
  }

  private endRaw(): void {
    if (this.rawBytes === 0) return;
    const head = new Uint8Array(5);
    head[0] = 0x52; // 'R'
    new DataView(head.buffer).setUint32(1, this.rawBytes);
    this.push(head);
    for (const part of this.rawRun) this.push(part);
    this.rawRun = [];
    this.rawBytes = 0;
  }

  private push(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    for (const part of this.pending) {
      let off = 0;
      while (off < part.length) off += this.file.writeSync(part.subarray(off));
    }
    this.pending = [];
    this.pendingBytes = 0;
  }
}
