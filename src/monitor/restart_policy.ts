/**
 * Docker's restart policies and back-off, decided in one place: whether a
 * container whose run just ended is started again, and after how long.
 *
 * Back-off as Docker's restart manager: 100 ms before the first restart,
 * doubled before each next one, at most a minute, and back to 100 ms once
 * a run has lasted 10 s.
 *
 * @module
 */

import type { ContainerRecord } from "../container/record.ts";

/** The first delay, and what it returns to after a long enough run. */
const FIRST_DELAY_MS = 100;
/** A run at least this long resets the back-off. */
const RESET_AFTER_MS = 10_000;
/** The longest delay. */
const MAX_DELAY_MS = 60_000;

/**
 * True when `record`'s policy restarts it after its run exited with
 * `exitCode`: `always`/`unless-stopped` unless it was stopped by hand,
 * `on-failure[:N]` on a non-zero exit while fewer than N restarts were made.
 */
export function shouldRestart(record: ContainerRecord, exitCode: number): boolean {
  const policy = record.config.restartPolicy;
  if (!policy || record.manuallyStopped) return false;
  switch (policy.name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure":
      return exitCode !== 0 &&
        (policy.maximumRetryCount === 0 ||
          (record.restartCount ?? 0) < policy.maximumRetryCount);
    case "no":
      return false;
  }
}

/** The delay before the next restart, from the last one and how long the run lasted. */
export function nextDelay(previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= RESET_AFTER_MS) return FIRST_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}
