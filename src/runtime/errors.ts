/**
 * The runtime's failures: one message, exit status 1, as runc's. Clients
 * match on some of the words ("does not exist", "container not running"),
 * so those are runc's.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** A failed runtime operation. */
export class RuntimeError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = "RuntimeError";
  }
}

/**
 * The init refused to run the user's command (not found, not executable,
 * an unknown user…): its message, and the exit status it gave.
 */
export class InitError extends RuntimeError {
  constructor(message: string, readonly initExitCode: number) {
    super(message);
    this.name = "InitError";
  }
}

/** No container of that ID under the root. */
export function notExist(id: string): RuntimeError {
  return new RuntimeError(`container "${id}" does not exist`);
}

/** `resume` of a container that is not paused. */
export function notPaused(id: string): RuntimeError {
  return new RuntimeError(`container "${id}": container not paused`);
}

/** The operation needs a live container. */
export function notRunning(id: string): RuntimeError {
  return new RuntimeError(`container "${id}": container not running`);
}
