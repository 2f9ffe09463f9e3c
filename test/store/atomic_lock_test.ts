import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { eventually } from "../_harness.ts";
import { readJson, writeJsonAtomic } from "../../src/store/atomic.ts";
import { StateRoot } from "../../src/store/paths.ts";

Deno.test("atomic JSON write: root-only file, no temp files left", () => {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-atomic-" });
  try {
    writeJsonAtomic(`${dir}/s.json`, { a: 1 });
    writeJsonAtomic(`${dir}/s.json`, { a: 2 });
    assertEquals(readJson(`${dir}/s.json`), { a: 2 });
    assertEquals(Deno.statSync(`${dir}/s.json`).mode! & 0o777, 0o600);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["s.json"]);
    assertEquals(readJson(`${dir}/missing.json`), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("withLock serialises read-modify-write across processes", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-lock-" });
  try {
    const script = `
      import { withLock } from "${new URL("../../src/store/lock.ts", import.meta.url).href}";
      import { StateRoot } from "${new URL("../../src/store/paths.ts", import.meta.url).href}";
      const root = new StateRoot(${JSON.stringify(dir)});
      for (let i = 0; i < 20; i++) {
        withLock(root, "counter", () => {
          const p = root.root + "/counter";
          let n = 0;
          try { n = Number(Deno.readTextFileSync(p)); } catch { /* first */ }
          Deno.writeTextFileSync(p, String(n + 1));
        });
      }`;
    const procs = Array.from(
      { length: 4 },
      () => new Deno.Command(Deno.execPath(), { args: ["eval", script], stdout: "null" }).output(),
    );
    for (const p of await Promise.all(procs)) assertEquals(p.code, 0);
    assertEquals(Deno.readTextFileSync(`${dir}/counter`), "80");
    assertEquals(new StateRoot(dir).lock("counter"), `${dir}/locks/counter.lock`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** A tmpfs of `size` at a new directory, for `fn`; always unmounted. */
async function withTmpfs(size: string, fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-atomic-full-" });
  const mount = (args: string[]) => new Deno.Command(args[0], { args: args.slice(1) }).outputSync();
  try {
    assertEquals(mount(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]).code, 0);
    try {
      await fn(dir);
    } finally {
      assertEquals(mount(["umount", dir]).code, 0);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("an atomic write that fails for want of space leaves the old file and no temp file", async () => {
  await withTmpfs("64k", (dir) => {
    writeJsonAtomic(`${dir}/s.json`, { a: 1 });
    // Fill the filesystem.
    const filler = Deno.openSync(`${dir}/filler`, { write: true, create: true });
    try {
      for (;;) filler.writeSync(new Uint8Array(4096));
    } catch (err) {
      assertEquals((err as { code?: string }).code, "ENOSPC");
    } finally {
      filler.close();
    }
    let thrown: unknown;
    try {
      writeJsonAtomic(`${dir}/s.json`, { a: 2, pad: "x".repeat(8192) });
    } catch (err) {
      thrown = err;
    }
    assert(thrown instanceof Error);
    assertEquals((thrown as { code?: string }).code, "ENOSPC");
    assertStringIncludes(thrown.message, `write ${dir}/s.json`);
    assertEquals(readJson(`${dir}/s.json`), { a: 1 });
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["filler", "s.json"]);
  });
});

Deno.test("a writer killed mid-write leaves temp files that the next write in the directory removes", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-atomic-kill-" });
  try {
    // A writer killed between creating its temp file and renaming it,
    // stood in for by a process that holds a temp named as writeFileAtomic
    // names them (<target>.tmp-<pid>-<8 hex>), then is SIGKILLed.
    const writer = new Deno.Command("sh", {
      args: ["-c", `exec sleep 60 > ${dir}/s.json.tmp-$$-0123abcd`],
    }).spawn();
    await eventually(() => exists(`${dir}/s.json.tmp-${writer.pid}-0123abcd`));
    // Temps of a live writer, of this target or another, are left alone.
    Deno.writeTextFileSync(`${dir}/other.json.tmp-${writer.pid}-4567cdef`, "");
    writeJsonAtomic(`${dir}/s.json`, { a: 1 });
    assert(exists(`${dir}/s.json.tmp-${writer.pid}-0123abcd`));
    assert(exists(`${dir}/other.json.tmp-${writer.pid}-4567cdef`));
    writer.kill("SIGKILL");
    await writer.status;
    // Once it is gone, the next write in the directory removes them all, whatever their target.
    writeJsonAtomic(`${dir}/s.json`, { a: 2 });
    assertEquals(readJson(`${dir}/s.json`), { a: 2 });
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["s.json"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
