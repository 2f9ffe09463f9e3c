/**
 * The `-t/--time` flag of `stop` and `restart`.
 *
 * @module
 */

import { DEFAULT_STOP_TIMEOUT_SECONDS } from "../container/container_stop.ts";
import { UserError } from "../errors.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";

/**
 * `-t, --time SECONDS` (`--timeout` is Docker's newer name for it), in
 * `help`'s words. As Docker's, without it the container's --stop-timeout
 * applies, else the default; -1 waits without limit.
 */
export function stopTimeoutFlag(help: string): FlagSpec {
  return {
    long: "time",
    short: "t",
    kind: "string",
    type: "int",
    defaultValue: String(DEFAULT_STOP_TIMEOUT_SECONDS),
    aliases: ["timeout"],
    help,
  };
}

/**
 * The grace period in seconds: an integer, -1 for no limit; undefined when
 * not given (the container's `--stop-timeout` applies, else Docker's default).
 */
export function stopTimeout(flags: ParsedFlags): number | undefined {
  const raw = flags.strings.get("time");
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw) || Number(raw) < -1) {
    throw new UserError(
      `invalid argument "${raw}" for "-t, --time" flag: a whole number of seconds (or -1) is needed`,
    );
  }
  return Number(raw);
}
