/**
 * The monitor's request protocol: one JSON line each way over a unix socket
 * at `<root>/monitor.sock`.
 *
 * @module
 */

import type { ContainerRecord } from "../container/record.ts";
import type { StateRoot } from "../store/paths.ts";

/** Start a created or exited container, detached. */
export interface StartRequest {
  op: "start";
  id: string;
}

/**
 * Stop (as `stop -t timeoutSeconds`), then start again, detached. The
 * monitor does both so that an `--rm` container it watches is kept, as
 * Docker's restart keeps it: the stop is no reason to remove it.
 */
export interface RestartRequest {
  op: "restart";
  id: string;
  timeoutSeconds?: number;
}

/**
 * A container that ran in the foreground exited and its restart policy
 * restarts it: the monitor does, after Docker's back-off, and stays its
 * parent from then on.
 */
export interface PolicyRestartRequest {
  op: "policy-restart";
  id: string;
}

/** What a client may ask. */
export type MonitorRequest = StartRequest | RestartRequest | PolicyRestartRequest;

/** The monitor's answer. */
export type StartReply =
  | { ok: true; record: ContainerRecord }
  | { ok: false; message: string; exitCode: number };

/** The monitor's socket of `root`. */
export function monitorSocket(root: StateRoot): string {
  return `${root.root}/monitor.sock`;
}

/** The monitor's log of `root`: where it reports what it could not tell a client. */
export function monitorLog(root: StateRoot): string {
  return `${root.root}/monitor.log`;
}
