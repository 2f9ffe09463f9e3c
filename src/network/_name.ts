/**
 * The network name rule. Names become file names under `<root>/networks`,
 * so nothing else may reach a path.
 *
 * @module
 */

import { UserError } from "../errors.ts";

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Throws a UserError unless `name` may name a network. */
export function checkNetworkName(name: string): void {
  if (name.length > 128 || !NETWORK_NAME.test(name)) {
    throw new UserError(
      `dockergsh: invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (at most 128 characters)`,
    );
  }
}
