/**
 * A container started attached (`run` without -d, `start -a`): the CLI is
 * its parent, relays its stdio (or its pty) and its signals, logs its
 * output, probes its health, and records its exit.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { type AttachMode, initSpawnStdio } from "../container/attach_mode.ts";
import { exitCodeOf } from "../container/container_exit.ts";
import { openLogSink } from "../container/container_log_sink.ts";
import { hasProbes, startingHealth } from "../container/health_state.ts";
import { finishRun } from "../container/container_runtime.ts";
import { containerNamespaces } from "../container/container_spec.ts";
import { startContainer } from "../container/container_start.ts";
import { eventSubject } from "../container/events.ts";
import type { ContainerRecord } from "../container/record.ts";
import { ContainerStore } from "../container/store.ts";
import { recordEvent } from "../events/events.ts";
import { requestPolicyRestart } from "../monitor/client.ts";
import { shouldRestart } from "../monitor/restart_policy.ts";
import { relayPipes } from "../process/pipe_relay.ts";
import { type ContainerInit, spawnContainerInit } from "../runtime/init_spawn.ts";
import type { StateRoot } from "../store/paths.ts";

/** Signals `docker run` passes on to the container (its --sig-proxy). */
const PROXIED: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/**
 * Forwards PROXIED signals to the PID `target` gives until the returned
 * function is called; one that comes while it gives none (the container not
 * started yet) is dropped, as Docker's CLI's kill of a container that is not
 * running fails.
 */
function proxySignals(kernel: Kernel, target: () => number | undefined): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = () => {
      const pid = target();
      if (pid === undefined) return;
      try {
        kernel.kill(pid, SIGNALS[sig]);
      } catch {
        // The container is already gone.
      }
    };
    Deno.addSignalListener(sig, h);
    return [sig, h] as const;
  });
  return () => handlers.forEach(([sig, h]) => Deno.removeSignalListener(sig, h));
}

/** How an attached run ended: its exit code, and its record as the run left it. */
export interface ForegroundExit {
  exitCode: number;
  /**
   * Exited. For a `--rm` container, only in memory: the caller removes it
   * next (deleteContainer with runtimeReleased), so its exit is not stored.
   */
  record: ContainerRecord;
}

/**
 * Starts container `id` attached in `mode`; resolves once it has exited
 * and released what it held (`run`, `start -a`).
 */
export async function runForeground(
  root: StateRoot,
  kernel: Kernel,
  id: string,
  mode: AttachMode,
  ahead?: ContainerInit,
): Promise<ForegroundExit> {
  const store = new ContainerStore(root);
  let record;
  try {
    record = store.get(id);
    // Docker reports the attach before the start.
    recordEvent(root, "attach", eventSubject(record));
  } catch (err) {
    // The init spawned ahead is startContainer's to stop from its first step on; until then, ours.
    await ahead?.stop();
    throw err;
  }
  // Docker logs every container's output, attached or not.
  const log = openLogSink(root, id);
  // Without a terminal, the init's pipes are read from before its command
  // starts, as Docker attaches its copiers before the start: each write is
  // read (and logged) as it comes, so the log keeps the order of stdout's
  // and stderr's lines, instead of each stream's output in one lump read
  // after a short command has already ended. Begun once the init has its
  // job, while it joins its cgroup: setting up the streams (~4 ms of CPU)
  // then holds up neither the job nor the start.
  let relay: Promise<void> | undefined;
  let attach: (() => void) | undefined;
  if (mode === "foreground") {
    const init = ahead ??= spawnContainerInit(
      kernel,
      { linux: { namespaces: containerNamespaces(record.config) } },
      initSpawnStdio(mode, record.config.openStdin),
    );
    attach = () => {
      relay = relayPipes(init.spawned.child, record.config.openStdin, log.sink);
      // Awaited once started; a failure before then is not an unhandled one.
      relay.catch(() => {});
    };
  }
  // Installed before the start, as Docker's CLI does: the first listener
  // makes Deno start its signal thread (~0.7 ms), which is then done while
  // the init starts, not after the command (which may have ended by then).
  const target: { pid?: number } = {};
  const stopProxy = proxySignals(kernel, () => target.pid);
  let started;
  try {
    started = await startContainer(root, kernel, record, mode, ahead, attach);
  } catch (err) {
    stopProxy();
    // The init is stopped (by startContainer; again is no harm): its pipes end, and so the relay.
    await ahead?.stop();
    await relay?.catch(() => {});
    log.close();
    throw err;
  }
  target.pid = started.record.state.pid;
  // The CLI is this run's parent: it probes its health, as the monitor does a detached run's.
  const check = started.record.config.healthcheck;
  let stopHealth = () => {};
  try {
    if (hasProbes(check)) {
      store.update(id, (rec) => ({ ...rec, health: startingHealth() }));
      // Loaded only for a container that has a healthcheck (its probes are execs).
      const { watchHealth } = await import("../container/container_health.ts");
      stopHealth = watchHealth(root, kernel, id, check, started.record.state.startedAt);
    }
    if (started.ttyMaster !== undefined) {
      const { relayTty } = await import("../process/tty_relay.ts");
      await relayTty(kernel, started.ttyMaster, started.record.config.openStdin, log.sink);
      kernel.close(started.ttyMaster);
    } else {
      await relay;
    }
    log.close();
    const exitCode = exitCodeOf(await started.child.status);
    const exited = await finishRun(root, started.record, exitCode, record.config.autoRemove);
    // Docker: `run` returns the first exit; the engine restarts it in the background.
    // Read again only under a policy: a `stop` meanwhile marks the record stopped by hand.
    const policy = exited.config.restartPolicy?.name ?? "no";
    if (policy !== "no" && shouldRestart(store.load(id) ?? exited, exitCode)) {
      await requestPolicyRestart(root, id);
    }
    return { exitCode, record: exited };
  } finally {
    stopHealth();
    log.close();
    stopProxy();
  }
}
