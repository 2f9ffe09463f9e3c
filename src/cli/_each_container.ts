/**
 * Docker's shape for commands that take several containers (`stop`, `rm`,
 * `restart`): each one is handled on its own, in parallel; a success prints
 * the reference as the user gave it, a failure prints its error on stderr,
 * and the exit code is 1 if any failed.
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

/** Runs `op` on every reference; resolves to the command's exit code. */
export async function forEachContainer(
  refs: readonly string[],
  op: (ref: string) => Promise<void>,
): Promise<number> {
  let failed = false;
  await Promise.all(refs.map(async (ref) => {
    try {
      await op(ref);
      console.log(ref);
    } catch (err) {
      console.error(describe(err));
      failed = true;
    }
  }));
  return failed ? 1 : 0;
}
