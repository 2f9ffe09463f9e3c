/**
 * The self-extracting ./dockergsh (build/self_extracting.sh), built from
 * this checkout, copied alone into an empty directory and run with a PATH
 * that holds neither the checkout nor a Deno: it unpacks once, checksum
 * verified and root-only, and runs containers from the unpacked runtime
 * (whose bundle the container init re-executes).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { bundleAsMakeBuild } from "./_bundle.ts";
import {
  BUSYBOX_TAR,
  eventually,
  removeTestCgroupParent,
  TEST_CGROUP_PARENT,
} from "../_harness.ts";

const REPO = new URL("../..", import.meta.url).pathname;
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const out = await new Deno.Command(cmd, {
    args,
    env: { PATH, ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** [pid, argv] of every process whose argv holds all of `words`. */
function processesWith(...words: string[]): [number, string[]][] {
  return [...Deno.readDirSync("/proc")]
    .filter((e) => /^\d+$/.test(e.name))
    .flatMap((e): [number, string[]][] => {
      try {
        const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
        return words.every((w) => argv.includes(w)) ? [[Number(e.name), argv]] : [];
      } catch {
        return [];
      }
    });
}

/** Waits (up to ~5 s) until process `pid` has exited: an idle monitor leaves after 2 s. */
function gone(pid: number): Promise<void> {
  return eventually(() => !exists(`/proc/${pid}`));
}

/** Bundles main.ts and writes the self-extracting file into `dir`; returns its path. */
async function buildInto(dir: string): Promise<string> {
  const bundle = `${dir}/bundle`;
  await bundleAsMakeBuild(bundle);
  const out = `${dir}/built`;
  const s = await run(`${REPO}build/self_extracting.sh`, [Deno.execPath(), bundle, out]);
  assertEquals(s.code, 0, s.stderr);
  return out;
}

Deno.test({
  name: "self-extracting dockergsh: one file, copied alone, unpacks once and runs a container",
  sanitizeResources: false,
  fn: async () => {
    const work = Deno.makeTempDirSync({ prefix: "dgsh-selfx-" });
    try {
      const built = await buildInto(work);
      const lone = Deno.makeTempDirSync({ dir: work, prefix: "lone-" });
      Deno.copyFileSync(built, `${lone}/dockergsh`);
      Deno.chmodSync(`${lone}/dockergsh`, 0o755);
      const exe = `${lone}/dockergsh`;
      const root = `${work}/root`;
      // The caller's own cache directories (`su` without `-` keeps them): never used.
      const home = `${work}/home`;
      const xdg = `${work}/xdg`;
      Deno.mkdirSync(home);
      Deno.mkdirSync(xdg);
      const env = { DOCKERGSH_ROOT: root, HOME: home, XDG_CACHE_HOME: xdg };

      // Three first runs at once: all work, and exactly one complete runtime is left.
      const firsts = await Promise.all([1, 2, 3].map(() => run(exe, ["--version"], env)));
      for (const r of firsts) {
        assertEquals(r.code, 0, r.stderr);
        assertEquals(
          r.stdout.trim(),
          `dockergsh version 0.1.0 (self-extracting, deno ${Deno.version.deno})`,
        );
      }
      const entries = [...Deno.readDirSync(`${root}/runtime`)].map((e) => e.name);
      assertEquals(entries.length, 1, `runtime holds ${entries.join(", ")}`);
      const sha = entries[0];
      assert(/^[0-9a-f]{64}$/.test(sha), sha);
      const head = new TextDecoder().decode(Deno.readFileSync(exe).subarray(0, 4096));
      assertStringIncludes(head, `sum=${sha}\n`);
      const rt = `${root}/runtime/${sha}`;
      const info = Deno.statSync(rt);
      assertEquals(info.mode! & 0o777, 0o700);
      assertEquals(info.uid, 0);
      assertEquals(Deno.statSync(`${root}/runtime`).mode! & 0o777, 0o700);

      const imp = await run(exe, ["import", BUSYBOX_TAR, "busybox"], env);
      assertEquals(imp.code, 0, imp.stderr);
      const confined = ["--net", "none", "--cgroup-parent", TEST_CGROUP_PARENT];
      const hi = await run(exe, ["run", "--rm", ...confined, "busybox", "echo", "hi"], env);
      assertEquals([hi.code, hi.stdout, hi.stderr], [0, "hi\n", ""]);
      const inside = await run(exe, ["run", "--rm", ...confined, "busybox", "env"], env);
      assertEquals(inside.code, 0, inside.stderr);
      assert(!/DENO_DIR|DENO_V8_FLAGS/.test(inside.stdout), inside.stdout);
      // Deno's caches are the runtime's, inside its root-only directory.
      assert(exists(`${rt}/cache/v8_code_cache_v2`), "no code cache in the runtime");
      assertEquals([...Deno.readDirSync(home)], []);
      assertEquals([...Deno.readDirSync(xdg)], []);

      // A detached container's monitor runs the unpacked Deno and bundle.
      const d = await run(exe, ["run", "-d", ...confined, "busybox", "sleep", "30"], env);
      assertEquals(d.code, 0, d.stderr);
      const monitors = processesWith("monitor", root);
      assertEquals(monitors.length, 1);
      const [monitorPid, argv] = monitors[0];
      assertEquals(argv[0], `${rt}/deno`);
      assert(argv.includes(`file://${rt}/bundle/main.js`), argv.join(" "));
      const environ = Deno.readTextFileSync(`/proc/${monitorPid}/environ`).split("\0");
      assert(environ.includes(`DENO_DIR=${rt}/cache`), environ.join(" "));
      // The cache's entries are keyed by V8's flags: the monitor runs with the CLI's, and a
      // heap size of its own (which is no part of that key).
      assert(
        environ.includes("DENO_V8_FLAGS=--no-lazy,--max-semi-space-size=1"),
        environ.join(" "),
      );
      // Nor does a process exec'd into a detached container.
      const execEnv = await run(exe, ["exec", d.stdout.trim(), "env"], env);
      assertEquals(execEnv.code, 0, execEnv.stderr);
      assert(!/DENO_DIR|DENO_V8_FLAGS/.test(execEnv.stdout), execEnv.stdout);
      const rm = await run(exe, ["rm", "-f", d.stdout.trim()], env);
      assertEquals(rm.code, 0, rm.stderr);
      await gone(monitorPid);

      // The header is in the payload, so a header of other flags has another sha256.
      const header = new TextDecoder().decode(Deno.readFileSync(exe).subarray(0, 16384));
      const start = /tail -c \+(\d+) "\$0"/.exec(header)?.[1];
      assert(start, "no payload offset in the header");
      const listing = await run("sh", ["-c", `tail -c +${start} "$0" | tar -tzf -`, exe]);
      assertEquals(listing.code, 0, listing.stderr);
      assert(listing.stdout.split("\n").includes("header.sh"), listing.stdout);

      // The first run's unpack (umask 077) leaves the engine the caller's umask.
      const umaskOf = (pid: number | "self") =>
        /^Umask:\s*(\d+)$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1];
      const firstRoot = `${work}/root3`;
      const events = new Deno.Command(exe, {
        args: ["events"],
        env: { PATH, DOCKERGSH_ROOT: firstRoot },
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        await eventually(() => {
          try {
            return Deno.readTextFileSync(`/proc/${events.pid}/cmdline`).startsWith(
              `${firstRoot}/runtime/${sha}/deno\0`,
            );
          } catch {
            return false;
          }
        }, 20_000);
        assertEquals(umaskOf(events.pid), umaskOf("self"));
      } finally {
        events.kill("SIGKILL");
        await events.status;
      }

      // A damaged copy is refused before anything is unpacked.
      const bytes = Deno.readFileSync(exe);
      bytes[bytes.length - 1000] ^= 0xff;
      Deno.writeFileSync(`${lone}/damaged`, bytes, { mode: 0o755 });
      const fresh = `${work}/root2`;
      const bad = await run(`${lone}/damaged`, ["ps"], { DOCKERGSH_ROOT: fresh });
      assertEquals(bad.code, 125);
      assertStringIncludes(bad.stderr, "is damaged");
      assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
      assertEquals([...Deno.readDirSync(`${fresh}/runtime`)], []);
    } finally {
      removeTestCgroupParent();
      Deno.removeSync(work, { recursive: true });
    }
  },
});

/** The sha256 a built self-extracting file unpacks under (its header's `sum=`). */
function shaOf(exe: string): string {
  const head = new TextDecoder().decode(Deno.readFileSync(exe).subarray(0, 4096));
  const m = /^sum=([0-9a-f]{64})$/m.exec(head);
  assert(m, "no sum= in the header");
  return m[1];
}

/**
 * What another user (nobody, uid 65534) would plant: runtime/<sha>/ of their
 * own, its `deno` a link to the real (root-owned) Deno, its bundle theirs.
 */
function plant(runtime: string, sha: string): void {
  const dir = `${runtime}/${sha}`;
  Deno.mkdirSync(`${dir}/bundle`, { recursive: true });
  Deno.symlinkSync(Deno.execPath(), `${dir}/deno`);
  Deno.writeTextFileSync(`${dir}/bundle/main.js`, 'console.log("PWNED as uid " + Deno.uid());\n');
  for (const p of [dir, `${dir}/bundle`, `${dir}/bundle/main.js`]) Deno.chownSync(p, 65534, 65534);
}

Deno.test({
  name: "self-extracting dockergsh runs nothing from a runtime directory another user could write",
  sanitizeResources: false,
  fn: async () => {
    const work = Deno.makeTempDirSync({ prefix: "dgsh-selfx-" });
    try {
      const exe = await buildInto(work);
      const sha = shaOf(exe);
      const cases: [string, (root: string) => void, RegExp][] = [
        ["a root-owned 1777 runtime dir holding nobody's runtime", (root) => {
          Deno.mkdirSync(`${root}/runtime`, { recursive: true });
          Deno.chmodSync(`${root}/runtime`, 0o1777);
          plant(`${root}/runtime`, sha);
        }, /refusing to unpack into .*\/runtime/],
        ["runtime a symlink to a 1777 dir", (root) => {
          const open = `${root}-open`;
          Deno.mkdirSync(open);
          Deno.chmodSync(open, 0o1777);
          plant(open, sha);
          Deno.mkdirSync(root);
          Deno.symlinkSync(open, `${root}/runtime`);
        }, /refusing to unpack into .*\/runtime/],
        ["a private runtime dir holding nobody's runtime/<sha>", (root) => {
          Deno.mkdirSync(`${root}/runtime`, { recursive: true, mode: 0o700 });
          plant(`${root}/runtime`, sha);
          Deno.chmodSync(`${root}/runtime/${sha}`, 0o700);
        }, /refusing to run from .*\/runtime\/[0-9a-f]{64}: not a directory of root/],
        ["a state root others may write", (root) => {
          Deno.mkdirSync(root);
          Deno.chmodSync(root, 0o777);
        }, /refusing to unpack into .*\/runtime/],
      ];
      for (const [what, prepare, error] of cases) {
        const root = `${work}/root-${cases.findIndex((c) => c[0] === what)}`;
        prepare(root);
        const r = await run(exe, ["--version"], { DOCKERGSH_ROOT: root });
        assertEquals(r.stdout, "", `${what}: ran ${r.stdout}`);
        assertEquals(r.code, 125, `${what}: ${r.stderr}`);
        assertEquals(r.stderr.trim().split("\n").length, 1, `${what}: ${r.stderr}`);
        assertMatch(r.stderr, error, what);
      }
    } finally {
      Deno.removeSync(work, { recursive: true });
    }
  },
});
