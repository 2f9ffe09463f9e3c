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
