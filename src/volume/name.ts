/**
 * Volume names, checked before one becomes a path under the state root:
 * Docker's rule for its local driver, `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, so a
 * name has no `/`, is not `.` or `..`, and does not start with `-`.
 *
 * @module
 */

import { UserError } from "../errors.ts";

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's longest name for a volume is what a filename may be: 255 bytes. */
const MAX_LENGTH = 255;

/** Throws Docker's one line when `name` cannot name a volume. */
export function checkVolumeName(name: string): void {
  if (name.length === 1) {
    throw new UserError(
      `dockergsh: Error response from daemon: create ${name}: volume name is too short, ` +
        "names should be at least two alphanumeric characters",
    );
  }
  if (!VALID.test(name) || new TextEncoder().encode(name).length > MAX_LENGTH) {
    throw new UserError(
      `dockergsh: Error response from daemon: create ${name}: "${name}" includes invalid characters ` +
        'for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. ' +
        "If you intended to pass a host directory, use absolute path",
    );
  }
}

/** True when `name` passes `checkVolumeName`. */
export function isVolumeName(name: string): boolean {
  return VALID.test(name) && new TextEncoder().encode(name).length <= MAX_LENGTH;
}
