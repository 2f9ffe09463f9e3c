/**
 * Errors that reach the user: one line on stderr and Docker's exit codes.
 *
 * @module
 */

/** Docker's exit codes for failures of the engine itself or of the command. */
export const ExitCode = {
  /** The engine failed (bad flag, missing image, kernel error). */
  ENGINE: 125,
  /** The command exists but cannot be invoked (permission, not executable). */
  CANNOT_INVOKE: 126,
  /** The command was not found. */
  NOT_FOUND: 127,
} as const;

/** A user-facing error: one line for stderr, and the exit code to leave with. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.ENGINE) {
    super(message);
    this.name = "UserError";
  }
}

/**
 * The state root's filesystem is full: one line naming the state root and
 * what could not be written, exit 125. Docker's wording for ENOSPC is the
 * system's, "no space left on device".
 */
export class NoSpaceError extends UserError {
  constructor(stateRoot: string, detail: string) {
    super(
      `dockergsh: Error response from daemon: no space left on device under ${stateRoot}: ${detail}`,
    );
    this.name = "NoSpaceError";
  }
}
