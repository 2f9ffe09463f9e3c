/**
 * How Docker's CLI reports a daemon's refusal to create a container:
 * `run` puts "docker: " before the daemon's words and a full stop after
 * them, exit 125 (`docker: Error response from daemon: No such image:
 * x:1.`); `create` prints the daemon's words as they are, exit 1.
 *
 * @module
 */

import { ExitCode, UserError } from "../errors.ts";

function isDaemonError(err: unknown): err is UserError {
  return err instanceof UserError && err.message.startsWith("Error response from daemon: ");
}

/** `err` in `run`'s words when it is the daemon's ("Error response from daemon: …"), else `err`. */
export function asRunError(err: unknown): unknown {
  if (!isDaemonError(err)) return err;
  const [first, ...rest] = err.message.split("\n");
  return new UserError(
    [`dockergsh: ${first.replace(/\.$/, "")}.`, ...rest].join("\n"),
    ExitCode.ENGINE,
  );
}

/** `err` with `create`'s exit code 1 when it is the daemon's, else `err`. */
export function asCreateError(err: unknown): unknown {
  return isDaemonError(err) ? new UserError(err.message, 1) : err;
}
