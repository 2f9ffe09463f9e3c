/**
 * Docker's shape for commands that take several containers (`stop`, `rm`,
 * `restart`, `start`): each one is handled on its own, in parallel; in the
 * order given, a success prints the reference as the user gave it, a
 * failure prints its error on stderr, and the exit code is 1 if any failed.
 *
 * @module
 */

import { SyscallError } from "../../ffi/errno.ts";
import { UserError } from "../errors.ts";

function describe(err: unknown): string {
  if (err instanceof UserError) return err.message;
  if (err instanceof SyscallError || err instanceof Error) return `dockergsh: ${err.message}`;
  return `dockergsh: ${String(err)}`;
}

/**
 * Runs `op` on every reference; resolves to the command's exit code. An
 * error `forgiven` says is reported all the same but fails nothing (`rm -f`
 * of a missing container, as Docker's).
 */
export async function forEachContainer(
  refs: readonly string[],
  op: (ref: string) => Promise<void>,
  forgiven: (err: unknown) => boolean = () => false,
): Promise<number> {
  // All at once, reported in the order given (as Docker's parallelOperation).
  const outcomes = refs.map((ref) =>
    op(ref).then(() => ({ ok: true as const }), (err: unknown) => ({ ok: false as const, err }))
  );
  let failed = false;
  for (const [i, outcome] of outcomes.entries()) {
    const done = await outcome;
    if (done.ok) {
      console.log(refs[i]);
    } else {
      console.error(describe(done.err));
      if (!forgiven(done.err)) failed = true;
    }
  }
  return failed ? 1 : 0;
}
