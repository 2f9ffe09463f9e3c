/**
 * Docker's CLI looks some containers up itself before asking the daemon
 * (`exec`, `logs`, `port`, `attach`, `rm`), and then words a missing one
 * `Error: No such container: x` (exit 1) where the daemon would say
 * `Error response from daemon: No such container: x`.
 *
 * @module
 */

import type { ContainerRecord } from "../container/record.ts";
import type { ContainerStore } from "../container/store.ts";
import { UserError } from "../errors.ts";

/** `store.resolve(ref)`, a missing container in `missing(ref)`'s words (default: the CLI's). */
export function resolveContainer(
  store: ContainerStore,
  ref: string,
  missing = (r: string) => `Error: No such container: ${r}`,
): ContainerRecord {
  try {
    return store.resolve(ref);
  } catch (err) {
    if (err instanceof UserError && /No such container/.test(err.message)) {
      throw new UserError(missing(ref), 1);
    }
    throw err;
  }
}
