/**
 * Tar records: a layer extracted with its record gives back its exact tar
 * (sha256 = diff ID), whatever wrote the tar; a layer whose files changed,
 * or that would be read through a symlink, is an error, never a wrong tar.
 */

import { createHash } from "node:crypto";
import { LinuxKernel } from "../../ffi/linux.ts";
import { extractTar } from "../../src/image/extract.ts";
import { TarRecordWriter } from "../../src/image/tar_record.ts";
import { recordedArchiveSize, replayTarRecord } from "../../src/image/tar_record_replay.ts";
import { assert, assertEquals } from "../_assert.ts";
import { buildTar, streamOf, type TestEntry } from "../_tar_writer.ts";

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const ENTRIES: TestEntry[] = [
  { name: "etc/", type: "dir" },
  { name: "etc/passwd", data: "root:x:0:0::/root:/bin/sh\n" },
  { name: "etc/.wh.gone" },
  { name: "opt/", type: "dir" },
  { name: "opt/.wh..wh..opq" },
  { name: `opt/${"long-name-".repeat(15)}`, data: "x".repeat(5000), pax: true },
  { name: "opt/link", type: "hardlink", linkname: "etc/passwd" },
  { name: "opt/sym", type: "symlink", linkname: "/etc/passwd" },
  { name: "empty", data: "" },
];

/** Extracts ENTRIES as a layer with a record; returns the tar, the dirs and the record. */
async function recorded() {
  const tar = buildTar(ENTRIES);
  const base = Deno.makeTempDirSync({ prefix: "dgsh-record-" });
  const dir = `${base}/layer`;
  Deno.mkdirSync(dir);
  const record = new TarRecordWriter(`${base}/record`);
  try {
    await extractTar(streamOf(tar), dir, { layer: new LinuxKernel(), tap: record });
  } finally {
    record.close();
  }
  return { tar, base, dir, record: record.path };
}

Deno.test("tar record: the layer's exact tar again, pax names, whiteouts and hard links included", async () => {
  const r = await recorded();
  try {
    assertEquals(recordedArchiveSize(r.record), r.tar.length);
    // The record holds headers, not contents.
    assert(Deno.statSync(r.record).size < r.tar.length - 4800, "file contents were recorded");
    const again = await collect(replayTarRecord(r.record, r.dir, sha256(r.tar)));
    assertEquals(sha256(again), sha256(r.tar));
    assertEquals(again.length, r.tar.length);
  } finally {
    Deno.removeSync(r.base, { recursive: true });
  }
});

Deno.test("tar record: changed files or a symlinked parent fail the replay", async () => {
  const r = await recorded();
  try {
    const diffId = sha256(r.tar);
    // Same size, other bytes: only the digest can tell.
    Deno.writeTextFileSync(`${r.dir}/etc/passwd`, "ROOT:x:0:0::/root:/bin/sh\n");
    let err = await collect(replayTarRecord(r.record, r.dir, diffId)).catch((e) => e);
    assert(err instanceof Error && /no longer matches/.test(err.message), String(err));
    Deno.writeTextFileSync(`${r.dir}/etc/passwd`, "root:x:0:0::/root:/bin/sh\n");
    // A parent replaced by a symlink to a directory holding a file of the same name and size.
    const elsewhere = `${r.base}/elsewhere`;
    Deno.mkdirSync(elsewhere);
    Deno.writeTextFileSync(`${elsewhere}/passwd`, "root:x:0:0::/root:/bin/sh\n");
    Deno.renameSync(`${r.dir}/etc`, `${r.base}/etc-moved`);
    Deno.symlinkSync(elsewhere, `${r.dir}/etc`);
    err = await collect(replayTarRecord(r.record, r.dir, diffId)).catch((e) => e);
    assert(err instanceof Error && /is not a directory/.test(err.message), String(err));
  } finally {
    Deno.removeSync(r.base, { recursive: true });
  }
});
