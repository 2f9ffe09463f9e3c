/**
 * The monitor: one process per state root that starts detached containers
 * and stays their parent, so it learns each exit code from the kernel
 * (waitpid through `child.status`) and records it. It also removes `--rm`
 * containers when they exit, except when the exit is its own restart of
 * them (as Docker's restart, which keeps them).
 *
 * Why one shared process and not one per container (Docker's shim model):
 * an idle Deno process costs ~12 MB of proportional memory (measured, see
 * README), so a shim each would break the 5 MiB-per-container budget; one
 * monitor costs that once. It is not needed for containers to keep running:
 * their output goes straight to their log files and they sit in their own
 * sessions, so if the monitor dies they run on (reparented to the host's
 * init) and `ps` still tells the truth from /proc, showing their exit code
 * as unknown.
 *
 * It starts on demand (see client.ts), holds `<root>/locks/monitor.lock`
 * for its whole life so there is never more than one, and exits once it has
 * no container and no client for IDLE_EXIT_MS.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { deleteContainer } from "../container/container_delete.ts";
import { exitCodeOf } from "../container/container_exit.ts";
import { logPaths } from "../container/container_logs.ts";
import { watchHealth } from "../container/container_health.ts";
import { hasProbes, startingHealth } from "../container/health_state.ts";
import { indexWhileRunning, logSizes } from "../container/_log_files.ts";
import { finishRun, releaseRuntime } from "../container/container_runtime.ts";
import type { ContainerRecord } from "../container/record.ts";
import { startContainer } from "../container/container_start.ts";
import { stopContainer } from "../container/container_stop.ts";
import { ContainerStore, policyRestartLock } from "../container/store.ts";
import { removeAnonymousVolumes } from "../container/volume_mounts.ts";
import { traced } from "../kernel_trace.ts";
import { UserError } from "../errors.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import { withLockAsync } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import type { MonitorRequest, RestartRequest, StartReply } from "./protocol.ts";
import { monitorLog, monitorSocket } from "./protocol.ts";
import { releaseExecutablePages } from "./executable_pages.ts";
import { nextDelay, shouldRestart } from "./restart_policy.ts";

/** How long past its due time a pending restart still shows the container as restarting. */
const RESTARTING_GRACE_MS = 1000;

/** How long an idle monitor waits for new work before it exits. */
const IDLE_EXIT_MS = 2000;

/**
 * How long after its last piece of work (a request answered, an exit
 * recorded, a restart) the monitor gives back the memory that work and
 * its start-up left behind (see releaseIdleMemory). Longer than the
 * gaps inside one burst of requests (a script's `run -d` loop: ~120 ms
 * from one start's answer to the next request, a `run -d` taking ~220 ms
 * of which the monitor's part is ~100; measured), so a burst is not
 * slowed; short, since the memory (~25 MB) is held until then.
 */
const RELEASE_AFTER_MS = 250;

/**
 * Gives back what an idle monitor holds but does not use: the free pages
 * of libc's heaps, then its executable's pages touched at start-up
 * (executable_pages.ts; last, so the trim's own code is not touched
 * again after). Measured with 10 detached containers: PSS 55.6 MB to
 * ~28 MB; it takes 6-15 ms, and the next start or exit re-faults ~100
 * pages from the page cache (~1 ms). A failure costs only memory: it is
 * logged.
 */
function releaseIdleMemory(root: StateRoot, kernel: Kernel): void {
  try {
    kernel.mallocTrim();
    releaseExecutablePages(kernel);
  } catch (err) {
    log(root, `giving back idle memory: ${err}`);
  }
}

function log(root: StateRoot, message: string): void {
  Deno.writeTextFileSync(monitorLog(root), `${new Date().toISOString()} ${message}\n`, {
    append: true,
    mode: 0o600,
  });
}

/** Runs the monitor of `root` until it has been idle for IDLE_EXIT_MS. */
export async function runMonitor(root: StateRoot): Promise<void> {
  Deno.mkdirSync(`${root.root}/locks`, { recursive: true, mode: 0o700 });
  const lock = Deno.openSync(root.lock("monitor"), { write: true, create: true, mode: 0o600 });
  if (!lock.tryLockSync(true)) return; // another monitor serves this root
  const kernel = traced(new LinuxKernel(), "monitor");
  const store = new ContainerStore(root);
  const socket = monitorSocket(root);
  try {
    Deno.removeSync(socket);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const listener = Deno.listen({ transport: "unix", path: socket });
  Deno.chmodSync(socket, 0o600);

  let busy = 0; // containers being watched + clients being served
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  // Memory is given back once RELEASE_AFTER_MS pass after a piece of work
  // ends (settle) with no other begun since (working). A long one still
  // running then (a stop waiting out its timeout) is idle waiting.
  let releaseTimer: ReturnType<typeof setTimeout> | undefined;
  const working = () => clearTimeout(releaseTimer);
  const settle = () => {
    clearTimeout(idleTimer);
    if (busy === 0) idleTimer = setTimeout(() => listener.close(), IDLE_EXIT_MS);
    clearTimeout(releaseTimer);
    releaseTimer = setTimeout(() => releaseIdleMemory(root, kernel), RELEASE_AFTER_MS);
  };

  // Containers being restarted: their exit is no reason to remove them (--rm).
  const restarting = new Set<string>();

  // The watch of each container's current run, until its exit is recorded and released.
  const watches = new Map<string, Promise<void>>();

  // The last back-off delay of each container restarted under its policy.
  const delays = new Map<string, number>();

  /** Restarts `id` after its back-off unless, by then, it was stopped, removed or started. */
  const scheduleRestart = (rec: ContainerRecord) => {
    const ranMs = Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt);
    const delay = nextDelay(delays.get(rec.id), Number.isFinite(ranMs) ? ranMs : 0);
    delays.set(rec.id, delay);
    // As Docker: the count goes up, and the container is "restarting", when the restart is decided.
    const until = new Date(Date.now() + delay + RESTARTING_GRACE_MS).toISOString();
    unlessDiskFull(`marking ${rec.id} restarting`, () => {
      store.update(rec.id, (r) => ({
        ...r,
        restartCount: (r.restartCount ?? 0) + 1,
        restartingUntil: until,
      }));
    });
    busy++;
    clearTimeout(idleTimer);
    setTimeout(() => {
      working();
      // A stop's mark lands before the look below or after the new run is on record.
      inTurn(rec.id, () =>
        withLockAsync(root, policyRestartLock(rec.id), async () => {
          const now = store.load(rec.id);
          if (!now || now.state.status === "running" || now.manuallyStopped) return;
          if (now.state.startedAt !== rec.state.startedAt) return; // started by hand meanwhile
          await start(rec.id, "policy");
        })).catch((err) => log(root, `container ${rec.id}: restart under its policy: ${err}`))
        .finally(() => {
          busy--;
          settle();
        });
    }, delay);
  };

  const watch = async (
    record: ContainerRecord,
    child: Deno.ChildProcess,
    /** Stops what watches the run besides (log index, health probes). */
    stopWatching: () => void,
  ) => {
    const exitCode = exitCodeOf(await child.status);
    working();
    stopWatching();
    // A `-i` container's stdin: held open while it ran (see initSpawnStdio), closed now.
    if (record.config.openStdin) await child.stdin.close().catch(() => {});
    try {
      // Decided at the exit: a `restart` marks its container restarting before it stops it.
      const remove = record.config.autoRemove && !restarting.has(record.id);
      const rec = await finishRun(root, record, exitCode, remove);
      if (remove) {
        await deleteContainer(root, kernel, rec, true, { runtimeReleased: true });
        removeAnonymousVolumes(root, rec);
      } else if (!restarting.has(rec.id) && shouldRestart(store.load(rec.id) ?? rec, exitCode)) {
        scheduleRestart(rec);
      }
    } catch (err) {
      log(root, `container ${record.id}: recording exit ${exitCode}: ${err}`);
    }
  };

  // One start or restart of a container at a time: the next waits its turn,
  // then sees the container as the previous one left it.
  const turns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const mine = (turns.get(id) ?? Promise.resolve()).catch(() => {}).then(fn);
    turns.set(id, mine);
    const forget = () => {
      if (turns.get(id) === mine) turns.delete(id);
    };
    mine.then(forget, forget);
    return mine;
  };

  /**
   * Starts `id` detached: it is no longer stopped by hand nor restarting;
   * by hand, its back-off starts over.
   */
  const start = async (id: string, by: "hand" | "policy" = "hand"): Promise<ContainerRecord> => {
    let record = store.get(id);
    if (record.state.status === "running") return record; // as Docker: nothing to do
    // Its last run may have just exited, not yet reaped: its exit is recorded
    // and what it held released before a new run takes its own (that release
    // would otherwise take the new run's network endpoint).
    if (watches.has(id)) {
      await watches.get(id);
      record = store.get(id);
    }
    // A run whose exit nobody watched (its parent was gone) still holds its
    // network endpoint and cgroups: free them before the new run takes its own.
    if (record.state.status === "exited" && record.state.exitCode === null) {
      await releaseRuntime(root, record);
    }
    // Stored only when there is something to clear: a fresh container's
    // start is spared a record write (two fsyncs, ~25 ms each on the main
    // thread measured during 50 concurrent starts).
    if (
      record.manuallyStopped || record.restartingUntil !== undefined ||
      hasProbes(record.config.healthcheck)
    ) {
      record = store.update(id, (rec) => ({
        ...rec,
        manuallyStopped: false,
        restartingUntil: undefined,
        // Docker: each run's health starts over.
        ...(hasProbes(rec.config.healthcheck) ? { health: startingHealth() } : {}),
      }));
    }
    if (by === "hand") delays.delete(id);
    const before = logSizes(logPaths(root, id));
    const started = await startContainer(root, kernel, record, "detached");
    // When its output was written, for `logs -t/--since/--until` and the streams' order.
    const stopIndexing = indexWhileRunning(kernel, logPaths(root, id), before);
    const check = started.record.config.healthcheck;
    const stopHealth = hasProbes(check)
      ? watchHealth(root, kernel, id, check, started.record.state.startedAt)
      : () => {};
    busy++;
    const watched = watch(started.record, started.child, () => {
      stopIndexing();
      stopHealth();
    }).finally(() => {
      if (watches.get(id) === watched) watches.delete(id);
      busy--;
      settle();
    });
    watches.set(id, watched);
    return started.record;
  };

  const restart = async (req: RestartRequest): Promise<ContainerRecord> => {
    restarting.add(req.id);
    try {
      const record = store.get(req.id);
      const stopped = await stopContainer(root, kernel, record, req.timeoutSeconds);
      if (stopped === undefined) {
        // Its parent was not this monitor (a foreground `run --rm`): it removed it.
        throw new UserError(
          `Error response from daemon: Cannot restart container ${record.name}: ` +
            "it was started with --rm and was removed when it stopped",
          1,
        );
      }
      return await start(req.id);
    } finally {
      restarting.delete(req.id);
    }
  };

  const handle = async (req: MonitorRequest): Promise<StartReply> => {
    try {
      if (req.op === "start") {
        return { ok: true, record: await inTurn(req.id, () => start(req.id)) };
      }
      if (req.op === "restart") {
        return { ok: true, record: await inTurn(req.id, () => restart(req)) };
      }
      if (req.op === "policy-restart") {
        const record = store.get(req.id);
        if (
          record.state.status !== "exited" || !shouldRestart(record, record.state.exitCode ?? -1)
        ) {
          return { ok: true, record };
        }
        scheduleRestart(record);
        return { ok: true, record };
      }
      return { ok: false, message: `dockergsh: unknown monitor request`, exitCode: 125 };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, message, exitCode: err instanceof UserError ? err.exitCode : 125 };
    }
  };

  const serve = async (conn: Deno.Conn) => {
    busy++;
    clearTimeout(idleTimer);
    working();
    try {
      const lines = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      while (!buf.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) return;
        buf += value;
      }
      const reply = await handle(JSON.parse(buf.slice(0, buf.indexOf("\n"))) as MonitorRequest);
      const w = conn.writable.getWriter();
      await w.write(new TextEncoder().encode(JSON.stringify(reply) + "\n"));
      await w.close();
    } catch (err) {
      log(root, `client: ${err}`);
    } finally {
      busy--;
      settle();
    }
  };

  settle();
  try {
    for await (const conn of listener) serve(conn);
  } finally {
    // Listener closed: no new clients. Clients already accepted were served.
    clearTimeout(releaseTimer);
    try {
      Deno.removeSync(socket);
    } catch {
      // A newer monitor may already own the path.
    }
    lock.close();
  }
}
