/**
 * Signal names as Docker reads them (`--stop-signal`, an image's
 * STOPSIGNAL): `SIGUSR1`, `USR1`, `usr1` or a number 1-64.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";

/** The number `spec` names, or undefined when it names none. */
export function signalNumber(spec: string): number | undefined {
  if (/^\d+$/.test(spec)) {
    const n = Number(spec);
    return n >= 1 && n <= 64 ? n : undefined;
  }
  const upper = spec.toUpperCase();
  return SIGNALS[upper.startsWith("SIG") ? upper : `SIG${upper}`];
}
