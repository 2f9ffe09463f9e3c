/**
 * `userError(fn)`: runs `fn`, which must throw a UserError with exit code
 * 125, and returns its message.
 *
 * @module
 */

import { assert } from "../_assert.ts";
import { UserError } from "../../src/errors.ts";

/** The message of the UserError `fn` throws; fails if it throws anything else or nothing. */
export function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert(err instanceof UserError, `expected a UserError, got ${err}`);
    assert(err.exitCode === 125, `exit code ${err.exitCode}`);
    assert(!err.message.includes("\n"), `one line: ${JSON.stringify(err.message)}`);
    return err.message;
  }
  throw new Error("expected a UserError, nothing was thrown");
}
