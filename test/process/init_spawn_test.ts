/**
 * The init's spawn on the real kernel, as `dockergsh run` and `exec` do it
 * (src/process/_spawn.ts): what the init holds while it waits for its job,
 * the environment it is given, its exit status when killed, and a spawn
 * that fails leaving nothing open. Whatever spawns the init (Deno.Command
 * today) must keep these.
 */

import { assert, assertEquals } from "../_assert.ts";
import { O_CLOEXEC, SIGNALS } from "../../ffi/constants.ts";
import { libc } from "../../ffi/libc.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { type SpawnedInit, spawnIn, type SpawnStdio } from "../../src/process/_spawn.ts";
import { INIT_FDS_ENV } from "../../src/process/init_config.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const kernel = new LinuxKernel();

/** The real init (main.ts `init`) under this Deno, spawned as `dockergsh run` spawns it. */
function spawnRealInit(stdio: SpawnStdio, env?: Record<string, string>): SpawnedInit {
  return spawnIn(kernel, [], () => {}, stdio, () => ({
    path: Deno.execPath(),
    args: ["run", "--allow-all", "--quiet", "--no-config", MAIN, "init"],
  }), env);
}

/** What an fd of `pid` refers to: its link (pipe:[ino], a path, anon_inode:…). */
function fdTargets(pid: number | "self"): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      out.set(Number(e.name), Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`));
    } catch {
      // Closed meanwhile (the directory's own fd, say).
    }
  }
  return out;
}

/** kcmp(2) KCMP_FILE: whether `pid`'s fd `theirs` and this process's fd `ours` are one open file. */
function sameOpenFile(pid: number, theirs: number, ours: number): boolean {
  const SYS_kcmp = 312n;
  const KCMP_FILE = 0n;
  const r = libc().syscall(
    SYS_kcmp,
    BigInt(pid),
    BigInt(Deno.pid),
    KCMP_FILE,
    BigInt(theirs),
    BigInt(ours),
    0n,
  );
  return r === 0n;
}

/** The fd the init `pid` reads its job from, as its environment tells it. */
function configFdOf(pid: number): number {
  const env = Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0");
  return Number(env.find((e) => e.startsWith(`${INIT_FDS_ENV}=`))!.split("=")[1].split(",")[0]);
}

/** Waits until `pid`'s main thread blocks in read(2) on `fd` (x86-64: syscall 0). */
async function blockedReading(pid: number, fd: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [nr, arg] = Deno.readTextFileSync(`/proc/${pid}/syscall`).split(" ");
    if (nr === "0" && Number(arg) === fd) return;
    if (Date.now() > deadline) throw new Error(`pid ${pid} never read fd ${fd}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("the init waits for its job with fds 0-2 as asked and no close-on-exec fd of its parent", async () => {
  // One pipe of each kind in this process: only the inheritable one may reach the init.
  const inheritable = kernel.pipe2(0);
  const closeOnExec = kernel.pipe2(O_CLOEXEC);
  const init = spawnRealInit({ stdin: "null", stdout: "piped", stderr: "piped" });
  const status = init.status;
  try {
    const configFd = configFdOf(init.pid);
    await blockedReading(init.pid, configFd);
    const theirs = fdTargets(init.pid);
    assertEquals(theirs.get(0), "/dev/null");
    for (const fd of [1, 2]) assert(/^pipe:\[\d+\]$/.test(theirs.get(fd) ?? ""), `fd ${fd}`);
    assert(theirs.get(1) !== theirs.get(2));
    const ours = fdTargets("self");
    const reached = (fd: number) => [...theirs.keys()].some((t) => sameOpenFile(init.pid, t, fd));
    // Every fd of this process that reached it is one without close-on-exec (the
    // test runner's own, and the pipe above): what a spawned child inherits.
    for (const fd of ours.keys()) {
      if (!reached(fd)) continue;
      assert(!kernel.isCloexec(fd), `this process's fd ${fd} (${ours.get(fd)}) reached the init`);
    }
    assert(reached(inheritable[0]) && reached(inheritable[1]));
    assert(!reached(closeOnExec[0]) && !reached(closeOnExec[1]));
    // Its fds 1 and 2 are the write ends of pipes whose read ends only this process holds.
    for (const fd of [1, 2]) {
      const readers = [...ours].filter(([, t]) => t === theirs.get(fd));
      assertEquals(readers.length, 1, `this process's ends of the init's fd ${fd}`);
      assert(!reached(readers[0][0]));
    }
  } finally {
    init.channel.close(); // no job: the init exits 125
    for (const fd of [...inheritable, ...closeOnExec]) kernel.close(fd);
  }
  await Promise.all([init.child.stdout.cancel(), init.child.stderr.cancel()]);
  assertEquals({ ...(await status) }, { success: false, code: 125, signal: null });
});

Deno.test("an init given its environment gets that and its channel, nothing of this process's", async () => {
  const init = spawnRealInit(
    { stdin: "null", stdout: "null", stderr: "null" },
    { PATH: "/usr/bin:/bin", ONLY: "this" },
  );
  try {
    const env = Deno.readTextFileSync(`/proc/${init.pid}/environ`).split("\0").filter(Boolean);
    assertEquals(
      env.map((e) => e.split("=")[0]).sort(),
      [INIT_FDS_ENV, "ONLY", "PATH"],
    );
  } finally {
    init.channel.close();
  }
  assertEquals((await init.status).code, 125);
});

Deno.test("an init killed while it waits reports the signal it died of", async () => {
  const init = spawnRealInit({ stdin: "null", stdout: "null", stderr: "null" });
  await blockedReading(init.pid, configFdOf(init.pid));
  kernel.kill(init.pid, SIGNALS.SIGKILL);
  assertEquals({ ...(await init.status) }, { success: false, code: 137, signal: "SIGKILL" });
  init.channel.close();
  // Reaped: no zombie left under this process.
  assert(
    !Deno.readTextFileSync("/proc/self/task/" + Deno.pid + "/children").split(" ").includes(
      String(init.pid),
    ),
  );
});

Deno.test("a program that cannot be executed is refused at the spawn, and leaves no fd open", () => {
  const before = [...fdTargets("self").keys()].sort((a, b) => a - b);
  let refused = false;
  try {
    spawnIn(
      kernel,
      [],
      () => {},
      { stdin: "piped", stdout: "piped", stderr: "null" },
      () => ({ path: "/nonexistent/init", args: [] }),
    );
  } catch (err) {
    refused = err instanceof Deno.errors.NotFound;
  }
  assert(refused, "refused as not found");
  assertEquals([...fdTargets("self").keys()].sort((a, b) => a - b), before);
});
