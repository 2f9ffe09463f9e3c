import { assertEquals } from "../_assert.ts";
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
