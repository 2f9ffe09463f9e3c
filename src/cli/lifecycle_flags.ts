/**
 * `--restart`, `--stop-signal`, `--stop-timeout` and `--init`: how a
 * container's runs end and begin again, checked with Docker's words.
 *
 * @module
 */

import type { RestartPolicy } from "../container/record.ts";
import { signalNumber } from "../container/signal_name.ts";
import { UserError } from "../errors.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";

/** The flags, as `run --help` lists them. */
export const LIFECYCLE_FLAGS: FlagSpec[] = [
  {
    long: "restart",
    kind: "string",
    help: 'Restart policy to apply when a container exits (default "no")',
  },
  { long: "stop-signal", kind: "string", help: 'Signal to stop a container (default "SIGTERM")' },
  { long: "stop-timeout", kind: "string", help: "Timeout (in seconds) to stop a container" },
  {
    long: "init",
    kind: "bool",
    help: "Run an init inside the container that forwards signals and reaps processes",
  },
];

/** `NAME[:N]` as Docker's CLI splits it (only a non-integer count is its error). */
function parseRestartPolicy(spec: string): { name: string; count?: number } {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const count = colon < 0 ? undefined : spec.slice(colon + 1);
  if (count !== undefined && !/^-?\d+$/.test(count)) {
    throw new UserError("dockergsh: maximum retry count must be an integer.");
  }
  return { name, count: count === undefined ? undefined : Number(count) };
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`, as Docker's daemon checks them (after the CLI's checks). */
function validRestartPolicy(policy: { name: string; count?: number }): RestartPolicy {
  const { name, count } = policy;
  const refuse = (why: string) => new UserError(`dockergsh: Error response from daemon: ${why}.`);
  if (!["no", "always", "unless-stopped", "on-failure", ""].includes(name)) {
    throw refuse(`invalid restart policy '${name}'`);
  }
  if (count !== undefined && name !== "on-failure") {
    throw refuse(`maximum retry count cannot be used with restart policy '${name}'`);
  }
  if (count !== undefined && count < 0) throw refuse("maximum retry count cannot be negative");
  return {
    name: name === "" ? "no" : name as RestartPolicy["name"],
    maximumRetryCount: count ?? 0,
  };
}

/** What the flags ask; absent keys keep the image's or Docker's defaults. */
export function lifecycleFromFlags(flags: ParsedFlags): {
  restartPolicy?: RestartPolicy;
  stopSignal?: string;
  stopTimeout?: number;
  init?: boolean;
} {
  const restart = flags.strings.get("restart");
  const asked = restart === undefined ? undefined : parseRestartPolicy(restart);
  // Docker's CLI refuses the pair before its daemon looks at the policy itself.
  if (asked && !["no", ""].includes(asked.name) && flags.bools.has("rm")) {
    throw new UserError("dockergsh: Conflicting options: --restart and --rm.");
  }
  const restartPolicy = asked && validRestartPolicy(asked);
  const stopSignal = flags.strings.get("stop-signal");
  if (stopSignal !== undefined && signalNumber(stopSignal) === undefined) {
    throw new UserError(`dockergsh: Error response from daemon: Invalid signal: ${stopSignal}.`);
  }
  const timeout = flags.strings.get("stop-timeout");
  if (timeout !== undefined && !/^-?\d+$/.test(timeout)) {
    throw new UserError(
      `invalid argument "${timeout}" for "--stop-timeout" flag: strconv.ParseInt: parsing "${timeout}": invalid syntax`,
    );
  }
  return {
    ...(restartPolicy ? { restartPolicy } : {}),
    ...(stopSignal !== undefined ? { stopSignal } : {}),
    ...(timeout !== undefined ? { stopTimeout: Number(timeout) } : {}),
    ...(flags.bools.has("init") ? { init: true } : {}),
  };
}
