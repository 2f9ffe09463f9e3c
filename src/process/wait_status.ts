/**
 * A waitpid(2) status as Docker reports it: the exit code, or 128 + the
 * signal that killed the process.
 *
 * @module
 */

/** The exit code a shell would show for the raw wait `status`. */
export function exitStatusCode(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}
