/**
 * The container state machine: the one place that decides lifecycle
 * transitions. Every command asks `transition` before changing a record,
 * and `observe` reconciles a record with the kernel: a container whose
 * process is gone is exited, whatever the file said.
 *
 * @module
 */

import { isSameProcess } from "../process/proc.ts";
import type { ContainerRecord, ContainerState, ContainerStatus } from "./record.ts";

/** Events that move a container between states. */
export type LifecycleEvent =
  | { kind: "start"; pid: number; pidStartTime: number; at: string }
  /**
   * Its command could not be started (Docker: its status stays, with why,
   * and 126 or 127 when the command could not be invoked or found).
   */
  | { kind: "startFailed"; exitCode?: number; error: string }
  | { kind: "exit"; exitCode: number | null; oomKilled?: boolean; at: string };

const ALLOWED: Record<LifecycleEvent["kind"], ContainerStatus[]> = {
  start: ["created", "exited"],
  startFailed: ["created", "exited"],
  exit: ["running"],
};

/** A transition the state machine refuses. */
export class InvalidTransition extends Error {
  constructor(from: ContainerStatus, event: LifecycleEvent["kind"]) {
    super(`cannot ${event} a container that is ${from}`);
    this.name = "InvalidTransition";
  }
}

/** Throws InvalidTransition unless `event` may happen in `status`. */
export function assertAllowed(status: ContainerStatus, event: LifecycleEvent["kind"]): void {
  if (!ALLOWED[event].includes(status)) throw new InvalidTransition(status, event);
}

/** The state after `event`, or InvalidTransition. */
export function transition(state: ContainerState, event: LifecycleEvent): ContainerState {
  assertAllowed(state.status, event.kind);
  if (event.kind === "start") {
    return {
      ...state,
      status: "running",
      pid: event.pid,
      pidStartTime: event.pidStartTime,
      exitCode: null,
      oomKilled: false,
      paused: false,
      startedAt: event.at,
      finishedAt: "0001-01-01T00:00:00Z",
      error: undefined,
    };
  }
  if (event.kind === "startFailed") {
    return { ...state, exitCode: event.exitCode ?? state.exitCode, error: event.error };
  }
  return {
    ...state,
    status: "exited",
    pid: 0,
    paused: false,
    exitCode: event.exitCode,
    oomKilled: event.oomKilled ?? false,
    finishedAt: event.at,
  };
}

/** Docker's status word: the lifecycle state, or "paused" for a frozen running container. */
export function statusWord(state: ContainerState): ContainerStatus | "paused" {
  return state.status === "running" && state.paused ? "paused" : state.status;
}

/**
 * The record as the kernel sees it now: a "running" container whose PID is
 * gone, or now belongs to another process, has exited. Its exit code is
 * unknown (null) unless a watcher recorded it.
 */
export function observe(record: ContainerRecord): ContainerRecord {
  const s = record.state;
  if (s.status !== "running" || isSameProcess(s.pid, s.pidStartTime)) return record;
  return {
    ...record,
    state: transition(s, { kind: "exit", exitCode: null, at: new Date().toISOString() }),
  };
}
