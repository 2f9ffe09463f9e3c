/**
 * The cached seccomp program under `<root>/seccomp/`, and the converted
 * profile kept beside it, are used only when nobody but root can have
 * written them and they can be what they claim: a planted allow-all
 * program or profile, or a damaged file, is removed and made again, and
 * the container is confined as without a cache. The kernel's answer to
 * unshare(CLONE_NEWUSER) inside the container is the evidence.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { type TestRoot, withRoot } from "../_harness.ts";

const NOBODY = 65534;

/** Seccomp mode, then whether a user namespace could be made (Docker's profile denies it). */
const SCRIPT =
  "grep '^Seccomp:' /proc/self/status; unshare -U true && echo unshared || echo denied";
const CONFINED = "Seccomp:\t2\ndenied\n";

/**
 * `run --rm busybox sh -c SCRIPT` with debug output, turned on through the
 * environment: the harness adds the test's cgroup parent and `--net none`
 * only when `run` is the first argument.
 */
const runDebug = (root: TestRoot) =>
  root.runWith({ env: { DOCKERGSH_DEBUG: "1" } }, "run", "--rm", "busybox", "sh", "-c", SCRIPT);

/** One classic-BPF instruction, `ret SECCOMP_RET_ALLOW`: a filter that allows everything. */
const ALLOW_ALL = new Uint8Array([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);

function repeat(insn: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(insn.length * times);
  for (let i = 0; i < times; i++) out.set(insn, i * insn.length);
  return out;
}

Deno.test("a cached seccomp program another user could have written, or that is no program, is removed and compiled again", async () => {
  await withRoot(async (root) => {
    const first = await root.run("run", "--rm", "busybox", "sh", "-c", SCRIPT);
    assertEquals([first.code, first.stdout], [0, CONFINED], first.stderr);
    const dir = `${root.dir}/seccomp`;
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".bpf"));
    assertEquals(names.length, 1, names.join(" "));
    assertMatch(names[0], /^[0-9a-f]{64}\.bpf$/);
    const path = `${dir}/${names[0]}`;
    const good = Deno.readFileSync(path);

    const write = (data: Uint8Array, mode = 0o600) => {
      Deno.writeFileSync(path, data, { mode });
      Deno.chmodSync(path, mode);
    };
    const cases: [string, () => void, string][] = [
      ["nobody's allow-all program", () => {
        write(ALLOW_ALL, 0o644);
        Deno.chownSync(path, NOBODY, NOBODY);
      }, "owned by uid 65534, not root"],
      ["root's allow-all program others may write", () => write(ALLOW_ALL, 0o666), "mode 0666"],
      ["root's allow-all program its group may read", () => write(ALLOW_ALL, 0o640), "mode 0640"],
      ["a symlink to a root-only allow-all program", () => {
        Deno.writeFileSync(`${root.dir}/elsewhere.bpf`, ALLOW_ALL, { mode: 0o600 });
        Deno.symlinkSync(`${root.dir}/elsewhere.bpf`, path);
      }, "a symlink"],
      ["a directory", () => Deno.mkdirSync(path), "not a regular file"],
      ["an empty file", () => write(new Uint8Array()), "0 bytes, not a whole number"],
      ["7 bytes", () => write(ALLOW_ALL.subarray(0, 7)), "7 bytes, not a whole number"],
      ["20 bytes", () => write(new Uint8Array(20)), "20 bytes, not a whole number"],
      ["4097 instructions", () => write(repeat(ALLOW_ALL, 4097)), "4097 instructions, over"],
    ];
    for (const [what, plant, why] of cases) {
      Deno.removeSync(path);
      plant();
      const r = await runDebug(root);
      assertEquals([r.code, r.stdout], [0, CONFINED], `${what}: ${r.stderr}`);
      assertStringIncludes(r.stderr, `cached program ${path} is ${why}`, what);
      assertStringIncludes(r.stderr, "compiled with libseccomp", what);
      const info = Deno.lstatSync(path);
      assertEquals(
        [info.isFile, info.uid, info.mode! & 0o7777],
        [true, 0, 0o600],
        `${what}: kept again, root-only`,
      );
      assertEquals(Deno.readFileSync(path), good, `${what}: the program compiled again`);
    }
    assert(Deno.statSync(`${root.dir}/elsewhere.bpf`).isFile, "a symlink's target is left alone");

    // The cache is used as it is when it is root's, root-only and a program.
    const hit = await runDebug(root);
    assertEquals([hit.code, hit.stdout], [0, CONFINED], hit.stderr);
    assertStringIncludes(hit.stderr, `cached program ${path}: ${good.length / 8} instructions`);
    assert(!hit.stderr.includes("compiled with libseccomp"), hit.stderr);
  });
});

/** Docker's profile turned inside out: allows everything (what a planted profile would try). */
const ALLOW_ALL_PROFILE = JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [] });

Deno.test("a converted seccomp profile another user could have written, or that is damaged, is removed and converted again", async () => {
  await withRoot(async (root) => {
    const first = await root.run("run", "--rm", "busybox", "sh", "-c", SCRIPT);
    assertEquals([first.code, first.stdout], [0, CONFINED], first.stderr);
    const dir = `${root.dir}/seccomp`;
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"));
    assertEquals(names.length, 1, names.join(" "));
    assertMatch(names[0], /^[0-9a-f]{64}\.json$/);
    const path = `${dir}/${names[0]}`;
    const good = Deno.readTextFileSync(path);
    assertEquals(JSON.parse(good).defaultAction, "SCMP_ACT_ERRNO");

    const write = (text: string, mode = 0o600) => {
      Deno.writeTextFileSync(path, text, { mode });
      Deno.chmodSync(path, mode);
    };
    const cases: [string, () => void, string][] = [
      ["nobody's allow-all profile", () => {
        write(ALLOW_ALL_PROFILE, 0o644);
        Deno.chownSync(path, NOBODY, NOBODY);
      }, "owned by uid 65534, not root"],
      [
        "root's allow-all profile others may write",
        () => write(ALLOW_ALL_PROFILE, 0o622),
        "mode 0622",
      ],
      ["a symlink to a root-only allow-all profile", () => {
        Deno.writeTextFileSync(`${root.dir}/elsewhere.json`, ALLOW_ALL_PROFILE, { mode: 0o600 });
        Deno.symlinkSync(`${root.dir}/elsewhere.json`, path);
      }, "a symlink"],
      ["an empty file", () => write(""), "0 bytes, not a profile"],
      ["a profile cut short", () => write(good.slice(0, good.length / 2)), "not a seccomp profile"],
    ];
    for (const [what, plant, why] of cases) {
      Deno.removeSync(path);
      plant();
      const r = await runDebug(root);
      assertEquals([r.code, r.stdout], [0, CONFINED], `${what}: ${r.stderr}`);
      assertStringIncludes(r.stderr, `cached seccomp profile ${path} is ${why}`, what);
      assertStringIncludes(r.stderr, `converted, kept as ${path}`, what);
      const info = Deno.lstatSync(path);
      assertEquals([info.isFile, info.uid, info.mode! & 0o7777], [true, 0, 0o600], what);
      assertEquals(Deno.readTextFileSync(path), good, `${what}: converted again`);
    }

    // Root's own file is what the start uses: the bundle says what it says.
    write(ALLOW_ALL_PROFILE);
    const hit = await runDebug(root);
    assertEquals([hit.code, hit.stdout], [0, "Seccomp:\t2\nunshared\n"], hit.stderr);
    assertStringIncludes(hit.stderr, `cached OCI form ${path}`);
  });
});
