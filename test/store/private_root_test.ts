import { assertEquals, assertMatch } from "../_assert.ts";
import { BUSYBOX_TAR, dockergsh } from "../_harness.ts";

const NOBODY = 65534;

/** Runs `fn` in a fresh root-only temporary directory, removed after. */
async function inWorkDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-private-root-" });
  try {
    await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const entries = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("a state root another user could write is refused by every command, in one line, before anything is made", async () => {
  await inWorkDir(async (work) => {
    const cases: [string, (root: string) => void, RegExp][] = [
      ["mode 0777", (root) => {
        Deno.mkdirSync(root);
        Deno.chmodSync(root, 0o777);
      }, /its mode 0777 lets group or others write it/],
      ["sticky 1777 (as /tmp)", (root) => {
        Deno.mkdirSync(root);
        Deno.chmodSync(root, 0o1777);
      }, /its mode 1777 lets group or others write it/],
      ["group-writable 0770", (root) => {
        Deno.mkdirSync(root);
        Deno.chmodSync(root, 0o770);
      }, /its mode 0770 lets group or others write it/],
      ["owned by nobody, 0700", (root) => {
        Deno.mkdirSync(root, { mode: 0o700 });
        Deno.chownSync(root, NOBODY, NOBODY);
      }, /it is owned by uid 65534, not root/],
      ["a symlink to a 0777 directory", (root) => {
        Deno.mkdirSync(`${root}-target`);
        Deno.chmodSync(`${root}-target`, 0o777);
        Deno.symlinkSync(`${root}-target`, root);
      }, /its mode 0777 lets group or others write it/],
      ["a regular file", (root) => Deno.writeTextFileSync(root, ""), /it is not a directory/],
    ];
    for (const [i, [what, prepare, why]] of cases.entries()) {
      const root = `${work}/root-${i}`;
      prepare(root);
      for (const args of [["ps", "-a"], ["import", BUSYBOX_TAR, "busybox"], ["images"]]) {
        const r = await dockergsh(root, args);
        assertEquals(r.code, 125, `${what}, ${args[0]}: ${r.stderr}`);
        assertEquals(r.stdout, "", `${what}, ${args[0]}`);
        assertEquals(r.stderr.trim().split("\n").length, 1, `${what}: ${r.stderr}`);
        assertMatch(r.stderr, new RegExp(`^dockergsh: refusing the state root ${root}: `), what);
        assertMatch(r.stderr, why, what);
      }
      if (Deno.statSync(root).isDirectory) assertEquals(entries(root), [], `${what}: nothing made`);
    }
  });
});

Deno.test("a private state root is used: 0700 and Docker's 0710, directly or through a symlink; a missing one is made 0700", async () => {
  await inWorkDir(async (work) => {
    for (const mode of [0o700, 0o710, 0o755]) {
      const root = `${work}/root-${mode.toString(8)}`;
      Deno.mkdirSync(root);
      Deno.chmodSync(root, mode);
      const r = await dockergsh(root, ["ps", "-a"]);
      assertEquals(r.code, 0, `${mode.toString(8)}: ${r.stderr}`);
    }
    Deno.symlinkSync(`${work}/root-700`, `${work}/link`);
    const linked = await dockergsh(`${work}/link`, ["ps", "-a"]);
    assertEquals(linked.code, 0, linked.stderr);

    const missing = `${work}/new/state`;
    const made = await dockergsh(missing, ["ps", "-a"]);
    assertEquals(made.code, 0, made.stderr);
    for (const dir of [`${work}/new`, missing]) {
      const info = Deno.statSync(dir);
      assertEquals([info.isDirectory, info.mode! & 0o7777, info.uid], [true, 0o700, 0], dir);
    }
  });
});
