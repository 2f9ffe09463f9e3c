/**
 * End-to-end test harness: a temporary state root with the busybox image
 * imported, the real `dockergsh` CLI run as a subprocess, and a cleanup that
 * removes every container the test made and checks nothing was left
 * mounted.
 *
 * @module
 */

import { LinuxKernel } from "../ffi/linux.ts";
import { deleteContainer } from "../src/container/container_delete.ts";
import { removeNetwork } from "../src/container/container_network.ts";
import { ContainerStore } from "../src/container/store.ts";
import { processCgroups } from "../src/cgroup/detect.ts";
import { V1_CONTROLLERS } from "../src/cgroup/v1.ts";
import { NetworkStore } from "../src/network/network_store.ts";
import { StateRoot } from "../src/store/paths.ts";
import { assertEquals } from "./_assert.ts";

/** main.ts of this checkout. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** The busybox rootfs tarball built by `make fixtures/busybox.tar`. */
export const BUSYBOX_TAR = new URL("../fixtures/busybox.tar", import.meta.url).pathname;

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** argv of `dockergsh --root <root> …args` under this Deno, for tests that wrap it in another program. */
export function cliArgv(root: string, args: readonly string[]): string[] {
  return [Deno.execPath(), "run", "--allow-all", "--quiet", MAIN, "--root", root, ...args];
}

/** Runs `dockergsh --root <root> …args` under this Deno; `stdin` as text or as bytes (a tar). */
export async function dockergsh(
  root: string,
  args: string[],
  opts: { stdin?: string | Uint8Array; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const [program, ...argv] = cliArgv(root, args);
  const child = new Deno.Command(program, {
    args: argv,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: opts.env,
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(
      typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
    );
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Lines of /proc/self/mountinfo that mention `path`. */
export function mountsUnder(path: string): string[] {
  return Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l.includes(path));
}

/** The cgroup controllers a container uses (v1), or "" for the v2 unified hierarchy. */
const CONTROLLERS = [...V1_CONTROLLERS, ""];

/**
 * A `--cgroup-parent` inside this test run's own cgroups, for every
 * controller: tests must never move a process out of them. On v1 the
 * controllers may sit at different depths (here memory is in a
 * sub-cgroup, the others at the root): the deepest one is below all others.
 */
export const TEST_CGROUP_PARENT = (() => {
  const own = processCgroups();
  const paths = CONTROLLERS.map((c) => own.get(c)).filter((p): p is string => p !== undefined);
  const deepest = paths.reduce((a, b) => (b.length > a.length ? b : a), "/");
  const inside = (p: string) => deepest === p || deepest.startsWith(p === "/" ? "/" : `${p}/`);
  if (!paths.every(inside)) throw new Error(`no cgroup is inside all of ${paths.join(", ")}`);
  return `${deepest.replace(/\/$/, "")}/dgsh-test`;
})();

/** Removes the test cgroup parent, where empty, in every hierarchy. */
export function removeTestCgroupParent(): void {
  for (const ctl of CONTROLLERS) {
    const mount = ctl === "" ? "/sys/fs/cgroup" : `/sys/fs/cgroup/${ctl}`;
    try {
      Deno.removeSync(`${mount}${TEST_CGROUP_PARENT}`);
    } catch {
      // Not there, or still in use by another test root.
    }
  }
}

/**
 * `args` with `--net none` and the test cgroup parent after `run`/`create`
 * unless the test gives its own.
 */
function withNetwork(args: string[]): string[] {
  // Global flags (`--debug`, `--root DIR`, …) may come before the command.
  let at = 0;
  while (at < args.length && args[at].startsWith("--")) {
    at += GLOBAL_FLAGS_WITH_VALUE.includes(args[at]) ? 2 : 1;
  }
  if (args[at] !== "run" && args[at] !== "create") return args;
  const extra: string[] = [];
  if (!args.some((a) => /^--net(work)?(=|$)/.test(a))) extra.push("--net", "none");
  if (!args.some((a) => a.startsWith("--cgroup-parent"))) {
    extra.push("--cgroup-parent", TEST_CGROUP_PARENT);
  }
  return [...args.slice(0, at + 1), ...extra, ...args.slice(at + 1)];
}

/** The CLI's global flags that take a value as the next argument. */
const GLOBAL_FLAGS_WITH_VALUE = ["--root", "--insecure-registry"];

/** A temporary state root for one test. */
export class TestRoot {
  private constructor(readonly dir: string) {}

  /** A new root with the busybox image imported as `busybox`. */
  static async create(): Promise<TestRoot> {
    const dir = await Deno.makeTempDir({ prefix: "dgsh-test-" });
    const root = new TestRoot(dir);
    const r = await root.run("import", BUSYBOX_TAR, "busybox");
    if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
    return root;
  }

  /**
   * `dockergsh --root <this> …args`. `run` and `create` get `--net none`
   * unless the test names a network (the engine's default bridge would be
   * made on a subnet the test did not choose), and TEST_CGROUP_PARENT.
   */
  run(...args: string[]): Promise<CliResult> {
    return dockergsh(this.dir, withNetwork(args));
  }

  /** argv of `run(...args)`, for a test that wraps it in another program. */
  argv(...args: string[]): string[] {
    return cliArgv(this.dir, withNetwork(args));
  }

  /** Like `run`, its output as bytes (a tar on stdout, say). */
  runBytes(...args: string[]): Promise<Deno.CommandOutput> {
    const [cmd, ...rest] = this.argv(...args);
    return new Deno.Command(cmd, { args: rest, stdout: "piped", stderr: "piped" }).output();
  }

  /** Like `run`, with stdin (text or bytes) and environment. */
  runWith(opts: { stdin?: string | Uint8Array; env?: Record<string, string> }, ...args: string[]) {
    return dockergsh(this.dir, withNetwork(args), opts);
  }

  /**
   * `dockergsh --root <this> …args` on a new terminal of `rows` x `cols`
   * made by script(1), as a user at a terminal runs it; resolves to the exit
   * code and what the terminal showed.
   */
  async runInTerminal(
    size: { rows: number; cols: number },
    ...args: string[]
  ): Promise<{ code: number; screen: string }> {
    const argv = cliArgv(this.dir, withNetwork(args));
    const cmd = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const child = new Deno.Command("script", {
      args: ["-qfec", `stty rows ${size.rows} cols ${size.cols}; ${cmd}`, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child.stdin.close();
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, screen: dec.decode(out.stdout) + dec.decode(out.stderr) };
  }

  /** The container store of this root. */
  store(): ContainerStore {
    return new ContainerStore(new StateRoot(this.dir));
  }

  /** Removes every container (killing running ones), the root, and checks no mount is left. */
  async cleanup(): Promise<void> {
    const root = new StateRoot(this.dir);
    const kernel = new LinuxKernel();
    for (const rec of new ContainerStore(root).list()) {
      await deleteContainer(root, kernel, rec, true);
    }
    const networks = new NetworkStore(root);
    for (const net of networks.list()) removeNetwork(root, net.name);
    removeTestCgroupParent();
    // A detached --rm container's monitor removes it too, on its exit: its
    // directory (renamed `.removing-…`) may still be being emptied.
    await eventually(() => Deno.readDirSync(root.containers).next().done === true).catch(() => {});
    await Deno.remove(this.dir, { recursive: true });
    assertEquals(mountsUnder(this.dir), [], "mounts left behind");
  }
}

/** Runs `fn` with a fresh TestRoot and always cleans it up. */
export async function withRoot(fn: (root: TestRoot) => Promise<void>): Promise<void> {
  const root = await TestRoot.create();
  try {
    await fn(root);
  } finally {
    await root.cleanup();
  }
}

/** Polls `cond` every 20 ms until it holds or `ms` pass. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 5000) {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await delay(20);
  }
}

/** Resolves after `ms`: a time a test waits out (to see what did not happen), not a condition. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
