/**
 * Health checks (`--health-cmd` and friends), as Docker 20.10 runs them
 * (measured on the peer daemon): the first probe one interval after the
 * start, each next one an interval after the previous one ended; a probe
 * is the command exec'd in the container (`/bin/sh -c CMD`), exit 0
 * healthy; `retries` failures in a row make the container unhealthy, but a
 * failure within the start period does not count; a probe that overruns
 * its timeout is stopped and counts as a failure with exit code -1 and
 * "Health check exceeded timeout (1s)"; the last five probes are kept,
 * each with the first 4096 bytes of its output (stdout and stderr).
 *
 * Whoever is the run's parent runs them: the monitor for a detached run,
 * the CLI for a foreground one.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { formatGoDuration } from "../_duration.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { isSameProcess, processStartTime } from "../process/proc.ts";
import type { StateRoot } from "../store/paths.ts";
import { execInContainer } from "./container_exec.ts";
import { afterProbe, startingHealth } from "./health_state.ts";
import type { HealthConfig, HealthProbe } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** Docker's defaults. */
const DEFAULT_INTERVAL_NS = 30e9;
const DEFAULT_TIMEOUT_NS = 30e9;
/** Output bytes kept of each probe. */
const MAX_OUTPUT = 4096;

/** SIGKILLs the exec init `pid` and the probe command it started (its child in the host's view). */
function killProbe(kernel: Kernel, pid: number): void {
  const start = processStartTime(pid);
  let children: number[] = [];
  try {
    children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter((c) => c !== "").map(Number);
  } catch {
    // Gone already.
  }
  for (const c of children) {
    try {
      kernel.kill(c, SIGNALS.SIGKILL);
    } catch {
      // Gone already.
    }
  }
  if (start !== undefined && isSameProcess(pid, start)) {
    try {
      kernel.kill(pid, SIGNALS.SIGKILL);
    } catch {
      // Gone already.
    }
  }
}

/** Runs one probe of `check` in container `id`. */
async function probe(
  root: StateRoot,
  kernel: Kernel,
  id: string,
  check: HealthConfig,
): Promise<HealthProbe> {
  const start = new Date().toISOString();
  const cmd = check.test[0] === "CMD-SHELL"
    ? ["/bin/sh", "-c", check.test[1]]
    : check.test.slice(1);
  const timeoutNs = check.timeoutNs ?? DEFAULT_TIMEOUT_NS;
  const out: number[] = [];
  let initPid: number | undefined;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overrun = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      if (initPid !== undefined) killProbe(kernel, initPid);
      resolve(-1);
    }, timeoutNs / 1e6);
  });
  let exitCode: number;
  try {
    const record = new ContainerStore(root).get(id);
    const ran = execInContainer(root, kernel, record, {
      cmd,
      env: [],
      tty: false,
      interactive: false,
      detach: false,
      privileged: false,
      output: (_stream, bytes) => {
        for (const b of bytes.subarray(0, MAX_OUTPUT - out.length)) out.push(b);
      },
      onStarted: (pid) => (initPid = pid),
    });
    exitCode = await Promise.race([ran, overrun]);
    ran.catch(() => {}); // a probe stopped for overrunning ends in an error nobody waits for
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    // Docker records the exec's failure as the probe's output (a missing command: 127).
    const message = err.message.replace(/^dockergsh: /, "");
    out.push(...new TextEncoder().encode(message).subarray(0, MAX_OUTPUT));
    exitCode = err.exitCode;
  } finally {
    clearTimeout(timer);
  }
  const output = timedOut
    ? `Health check exceeded timeout (${formatGoDuration(timeoutNs)})`
    : new TextDecoder().decode(new Uint8Array(out));
  return { start, end: new Date().toISOString(), exitCode: timedOut ? -1 : exitCode, output };
}

/**
 * Probes container `id`'s run that started at `startedAt` until the
 * returned function is called or the run is over, recording each result in
 * its record.
 */
export function watchHealth(
  root: StateRoot,
  kernel: Kernel,
  id: string,
  check: HealthConfig,
  startedAt: string,
): () => void {
  const store = new ContainerStore(root);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sameRun = () => {
    const rec = store.load(id);
    return rec !== undefined && rec.state.status === "running" && rec.state.startedAt === startedAt;
  };
  const next = () => {
    timer = setTimeout(async () => {
      if (stopped || !sameRun()) return;
      try {
        const result = await probe(root, kernel, id, check);
        if (stopped || !sameRun()) return;
        store.update(id, (rec) =>
          rec.state.startedAt !== startedAt ? rec : {
            ...rec,
            health: afterProbe(rec.health ?? startingHealth(), result, check, new Date(startedAt)),
          });
      } catch (err) {
        debug("health", `${id.slice(0, 12)}: probe not recorded: ${err}`);
      }
      if (!stopped) next();
    }, (check.intervalNs ?? DEFAULT_INTERVAL_NS) / 1e6);
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
