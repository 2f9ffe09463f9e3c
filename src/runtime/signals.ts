/**
 * `kill`'s signal argument: a number (what containerd sends: 15, 9) or a
 * name with or without `SIG` (`TERM`, `SIGKILL`), as runc takes them.
 *
 * @module
 */

import { NSIG, SIGNALS } from "../../ffi/constants.ts";
import { RuntimeError } from "./errors.ts";

/** The signal number `arg` names. */
export function parseSignal(arg: string): number {
  if (/^[0-9]+$/.test(arg)) {
    const n = Number(arg);
    if (n >= 1 && n < NSIG) return n;
  } else {
    const name = arg.toUpperCase();
    const n = SIGNALS[name.startsWith("SIG") ? name : `SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new RuntimeError(`unknown signal ${JSON.stringify(arg)}`);
}
