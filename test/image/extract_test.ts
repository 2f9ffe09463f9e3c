import { LinuxKernel } from "../../ffi/linux.ts";
import { extractTar } from "../../src/image/extract.ts";
import { readTar } from "../../src/image/_tar_reader.ts";
import { assert, assertEquals } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { buildTar, streamOf, type TestEntry } from "../_tar_writer.ts";

/** Extracts `entries` into a fresh target beside an "outside" directory; returns both. */
async function extract(entries: TestEntry[] | ((outside: string) => TestEntry[])) {
  const base = Deno.makeTempDirSync({ prefix: "dgsh-extract-" });
  const target = `${base}/target`;
  const outside = `${base}/outside`;
  Deno.mkdirSync(target);
  Deno.mkdirSync(outside);
  Deno.writeTextFileSync(`${outside}/secret`, "original");
  let error: Error | undefined;
  try {
    const list = typeof entries === "function" ? entries(outside) : entries;
    await extractTar(streamOf(buildTar(list)), target);
  } catch (err) {
    error = err as Error;
  }
  return {
    base,
    target,
    outside,
    error,
    cleanup: () => Deno.removeSync(base, { recursive: true }),
  };
}

Deno.test("extract: files, directories, symlinks, hard links, modes and owners land as archived", async () => {
  const t = await extract([
    { name: "./", type: "dir" },
    { name: "bin/", type: "dir" },
    { name: "bin/su", data: "#!", mode: 0o4755, uid: 0, gid: 0 },
    { name: "bin/sh", type: "symlink", linkname: "busybox" },
    { name: "bin/ls", type: "hardlink", linkname: "bin/su" },
    { name: "home/user/file", data: "hi", mode: 0o640, uid: 1000, gid: 1001 },
    { name: "tmp/", type: "dir", mode: 0o1777 },
  ]);
  try {
    assertEquals(t.error, undefined);
    assertEquals(Deno.statSync(`${t.target}/bin/su`).mode! & 0o7777, 0o4755);
    assertEquals(Deno.readLinkSync(`${t.target}/bin/sh`), "busybox");
    assertEquals(Deno.statSync(`${t.target}/bin/ls`).ino, Deno.statSync(`${t.target}/bin/su`).ino);
    const f = Deno.statSync(`${t.target}/home/user/file`);
    assertEquals([f.mode! & 0o7777, f.uid, f.gid], [0o640, 1000, 1001]);
    assertEquals(Deno.statSync(`${t.target}/tmp`).mode! & 0o7777, 0o1777);
    assertEquals(Deno.statSync(`${t.target}/bin/su`).mtime?.getTime(), 1_700_000_000_000);
  } finally {
    t.cleanup();
  }
});

Deno.test("extract: a '..' entry rejects the archive and writes nothing outside", async () => {
  const t = await extract([{ name: "../outside/secret", data: "pwned" }]);
  try {
    assert(t.error?.message.includes("'..'"), String(t.error));
    assertEquals(Deno.readTextFileSync(`${t.outside}/secret`), "original");
  } finally {
    t.cleanup();
  }
});

Deno.test("extract: absolute paths are made relative to the target", async () => {
  const t = await extract([{ name: `/${"abs"}/file`, data: "inside" }]);
  try {
    assertEquals(t.error, undefined);
    assertEquals(Deno.readTextFileSync(`${t.target}/abs/file`), "inside");
  } finally {
    t.cleanup();
  }
});

Deno.test("extract: writing through a planted symlink is refused (absolute and relative links)", async () => {
  for (const absolute of [true, false]) {
    const t = await extract((outside) => [
      { name: "evil", type: "symlink", linkname: absolute ? outside : "../outside" },
      { name: "evil/secret", data: "pwned" },
    ]);
    try {
      assert(t.error?.message.includes("is a symlink"), String(t.error));
      assertEquals(Deno.readTextFileSync(`${t.outside}/secret`), "original");
    } finally {
      t.cleanup();
    }
  }
});

Deno.test("extract: a file entry replaces a planted symlink instead of following it", async () => {
  const base = Deno.makeTempDirSync({ prefix: "dgsh-extract-" });
  try {
    Deno.mkdirSync(`${base}/target`);
    Deno.writeTextFileSync(`${base}/secret`, "original");
    await extractTar(
      streamOf(buildTar([
        { name: "f", type: "symlink", linkname: `${base}/secret` },
        { name: "f", data: "new" },
        { name: "d", type: "symlink", linkname: base },
        { name: "d", type: "dir" },
      ])),
      `${base}/target`,
    );
    assertEquals(Deno.readTextFileSync(`${base}/secret`), "original");
    assertEquals(Deno.readTextFileSync(`${base}/target/f`), "new");
    assert(Deno.lstatSync(`${base}/target/d`).isDirectory);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("extract: hard links must point inside and never through symlinks", async () => {
  const dotdot = await extract([{ name: "x", type: "hardlink", linkname: "../outside/secret" }]);
  const via = await extract([
    { name: "l", type: "symlink", linkname: "/" },
    { name: "x", type: "hardlink", linkname: "l/etc/passwd" },
  ]);
  try {
    assert(dotdot.error?.message.includes("'..'"), String(dotdot.error));
    assert(via.error?.message.includes("is a symlink"), String(via.error));
    assert(!exists(`${dotdot.target}/x`) && !exists(`${via.target}/x`));
  } finally {
    dotdot.cleanup();
    via.cleanup();
  }
});

Deno.test("extract: device nodes and FIFOs are skipped and reported", async () => {
  const base = Deno.makeTempDirSync({ prefix: "dgsh-extract-" });
  try {
    const result = await extractTar(
      streamOf(buildTar([
        { name: "dev/null", type: "char" },
        { name: "run/fifo", type: "fifo" },
        { name: "ok", data: "1" },
      ])),
      base,
    );
    assertEquals(result.skipped, [{ path: "dev/null", type: "char" }, {
      path: "run/fifo",
      type: "fifo",
    }]);
    assert(!exists(`${base}/dev/null`));
    assertEquals(Deno.readTextFileSync(`${base}/ok`), "1");
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("tar reader: pax long names, sizes, and garbage input", async () => {
  const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
  const names: string[] = [];
  for await (const e of readTar(streamOf(buildTar([{ name: long, data: "x", pax: true }])))) {
    names.push(e.path);
  }
  assertEquals(names, [long]);
  let error = "";
  try {
    for await (const _ of readTar(streamOf(new TextEncoder().encode("x".repeat(2048))))) {
      // unreachable: the first header fails its checksum
    }
  } catch (err) {
    error = (err as Error).message;
  }
  assert(error.includes("not a tar archive"), error);
});

/** vfs_cap_data revision 2, effective, CAP_NET_RAW permitted: a file capability the kernel accepts. */
const NET_RAW_CAPS = "\x01\x00\x00\x02\x00\x20\x00\x00" + "\x00".repeat(12);

Deno.test("layer extraction: file capabilities and user.* xattrs applied, trusted.* never", async () => {
  const kernel = new LinuxKernel();
  const base = Deno.makeTempDirSync({ prefix: "dgsh-xattr-" });
  try {
    const tar = buildTar([
      { name: "opt/", type: "dir", xattrs: { "trusted.overlay.opaque": "y", "user.dir": "d" } },
      { name: "opt/ping", data: "x", xattrs: { "security.capability": NET_RAW_CAPS } },
      {
        name: "opt/note",
        data: "n",
        xattrs: { "user.note": "hello", "trusted.overlay.redirect": "/etc" },
      },
    ]);
    await extractTar(streamOf(tar), base, { layer: kernel });
    const get = (path: string, name: string) => {
      const v = kernel.lgetxattr(`${base}/${path}`, name);
      return v === null ? null : new TextDecoder().decode(v);
    };
    assertEquals(get("opt/ping", "security.capability"), NET_RAW_CAPS);
    assertEquals(get("opt/note", "user.note"), "hello");
    assertEquals(get("opt", "user.dir"), "d");
    assertEquals(get("opt", "trusted.overlay.opaque"), null);
    assertEquals(get("opt/note", "trusted.overlay.redirect"), null);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

// Docker keeps a layer's symlinks' own owner and time (its image's /bin/sh: "root root … 08:56",
// the time in the layer, not the pull's).
Deno.test("extract of a layer: a symlink keeps its own owner and time, its target untouched", async () => {
  const base = Deno.makeTempDirSync({ prefix: "dgsh-extract-" });
  try {
    const target = `${base}/target`;
    Deno.mkdirSync(target);
    const mtime = 1_700_000_000;
    const tar = buildTar([
      { name: "bin/busybox", data: "#!", mode: 0o755, uid: 0, gid: 0, mtime: mtime + 50 },
      { name: "bin/sh", type: "symlink", linkname: "busybox", uid: 1000, gid: 1001, mtime },
    ]);
    await extractTar(streamOf(tar), target, { layer: new LinuxKernel() });
    const link = Deno.lstatSync(`${target}/bin/sh`);
    assertEquals([link.isSymlink, link.uid, link.gid, link.mtime?.getTime()], [
      true,
      1000,
      1001,
      mtime * 1000,
    ]);
    const file = Deno.statSync(`${target}/bin/sh`);
    assertEquals([file.uid, file.mtime?.getTime()], [0, (mtime + 50) * 1000]);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});
