/**
 * The monitor gives back its executable's start-up pages once idle
 * (src/monitor/executable_pages.ts), and everything it does afterwards
 * still works: an exit is recorded, a restart policy honoured, logs kept,
 * a stop recorded. Memory is read where the kernel keeps it:
 * /proc/<monitor>/smaps and smaps_rollup.
 */

import { assert, assertEquals } from "../_assert.ts";
import { delay, eventually, TestRoot, withRoot } from "../_harness.ts";
import { parseSmaps } from "../../src/monitor/executable_pages.ts";

/** The monitor process of the state root `dir`, if one runs. */
function monitorPid(dir: string): number | undefined {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      const at = argv.indexOf("monitor");
      if (at >= 0 && argv[at + 1] === dir) return Number(e.name);
    } catch {
      // Exited while we looked.
    }
  }
  return undefined;
}

/** kB of `pid`'s own executable resident in its read-only mappings, and its whole Rss (smaps_rollup). */
function residentKb(pid: number): { executable: number; total: number } {
  const exe = Deno.readLinkSync(`/proc/${pid}/exe`);
  const maps = parseSmaps(Deno.readTextFileSync(`/proc/${pid}/smaps`).split("\n"));
  const executable = maps.filter((m) => m.path === exe && m.perms[1] !== "w")
    .reduce((kb, m) => kb + m.rssKb, 0);
  const rollup = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
  return { executable, total: Number(/^Rss:\s+(\d+) kB/m.exec(rollup)![1]) };
}

/**
 * Runs `args` with the CLI while watching the monitor it starts: the
 * highest residency seen while the monitor started up and answered (it
 * gives nothing back while it works) and just after.
 */
async function runWatchingMonitor(root: TestRoot, ...args: string[]) {
  const cli = root.run(...args);
  let done = false;
  cli.finally(() => done = true);
  const peak = { executable: 0, total: 0 };
  let pid: number | undefined;
  const look = () => {
    pid ??= monitorPid(root.dir);
    if (pid === undefined) return;
    const now = residentKb(pid);
    peak.executable = Math.max(peak.executable, now.executable);
    peak.total = Math.max(peak.total, now.total);
  };
  while (!done) {
    look();
    await delay(5);
  }
  look();
  const result = await cli;
  assertEquals(result.code, 0, result.stderr);
  assert(pid !== undefined, "a monitor was started");
  return { id: result.stdout.trim(), pid, peak };
}

const MB = 1024;

Deno.test("an idle monitor gives back its start-up pages, then still records exits, restarts and stops", async () => {
  await withRoot(async (root) => {
    assertEquals(monitorPid(root.dir), undefined, "no monitor before the first run -d");
    const { id, pid, peak } = await runWatchingMonitor(
      root,
      "run",
      "-d",
      "--restart",
      "on-failure:3",
      "busybox",
      "sh",
      "-c",
      "echo ran; exec sleep 600",
    );
    // Deno's start-up and the container's start touched tens of MB of the
    // executable (36 MB measured), which the steady monitor does not use.
    assert(peak.executable > 20 * MB, `${peak.executable} kB of the executable at the peak`);
    await eventually(() => residentKb(pid).executable < peak.executable - 10 * MB, 10_000);
    const released = residentKb(pid);
    assert(released.total < peak.total - 10 * MB, `Rss ${released.total} kB, ${peak.total} kB`);

    // An exit after the release: recorded, and the policy restarts it (a new process).
    const first = root.store().get(id);
    Deno.kill(first.state.pid!, "SIGKILL");
    await eventually(() => {
      const rec = root.store().get(id);
      return rec.restartCount === 1 && rec.state.status === "running" &&
        rec.state.pid !== first.state.pid;
    }, 10_000);
    assertEquals(monitorPid(root.dir), pid, "the same monitor restarted it");
    await eventually(async () => (await root.run("logs", id)).stdout === "ran\nran\n");

    // A stop is recorded, and not restarted.
    const stop = await root.run("stop", "-t", "1", id);
    assertEquals(stop.code, 0, stop.stderr);
    await eventually(() => root.store().get(id).state.status === "exited");
    const stopped = root.store().get(id);
    assertEquals(stopped.state.exitCode, 137, "sleep ignores SIGTERM as PID 1: killed");
    assertEquals(stopped.restartCount, 1, "a stopped container is not restarted");
  });
});
