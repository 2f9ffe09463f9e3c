/**
 * `--health-cmd`, `--health-interval`, `--health-timeout`,
 * `--health-retries`, `--health-start-period` and `--no-healthcheck`:
 * Docker's Config.Healthcheck, checked with Docker 20.10's words (measured
 * on the peer daemon).
 *
 * @module
 */

import type { HealthConfig } from "../container/record.ts";
import { UserError } from "../errors.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";
import { parseGoDuration } from "../_duration.ts";

/** The flags, as `run --help` lists them. */
export const HEALTH_FLAGS: FlagSpec[] = [
  { long: "health-cmd", kind: "string", help: "Command to run to check health" },
  {
    long: "health-interval",
    kind: "string",
    help: "Time between running the check (ms|s|m|h) (default 0s)",
  },
  {
    long: "health-timeout",
    kind: "string",
    help: "Maximum time to allow one check to run (ms|s|m|h) (default 0s)",
  },
  {
    long: "health-retries",
    kind: "string",
    help: "Consecutive failures needed to report unhealthy",
  },
  {
    long: "health-start-period",
    kind: "string",
    help:
      "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)",
  },
  { long: "no-healthcheck", kind: "bool", help: "Disable any container-specified HEALTHCHECK" },
];

const MIN_NS = 1e6;

/** A duration flag in nanoseconds (undefined when not given), refused as Docker refuses it. */
function duration(flags: ParsedFlags, name: string, field: string): number | undefined {
  const raw = flags.strings.get(name);
  if (raw === undefined) return undefined;
  const ns = parseGoDuration(raw);
  if (ns === undefined) {
    throw new UserError(
      `invalid argument "${raw}" for "--${name}" flag: time: invalid duration "${raw}"`,
    );
  }
  if (ns < 0) throw new UserError(`dockergsh: --${name} cannot be negative.`);
  if (ns !== 0 && ns < MIN_NS) {
    throw new UserError(
      `dockergsh: Error response from daemon: ${field} in Healthcheck cannot be less than 1ms`,
    );
  }
  return ns === 0 ? undefined : ns;
}

/** The healthcheck the flags ask for, or undefined when they ask none. */
export function healthFromFlags(flags: ParsedFlags): HealthConfig | undefined {
  const given = HEALTH_FLAGS.some((f) => f.long !== "no-healthcheck" && flags.strings.has(f.long));
  if (flags.bools.has("no-healthcheck")) {
    if (given) {
      throw new UserError("dockergsh: --no-healthcheck conflicts with --health-* options.");
    }
    return { test: ["NONE"] };
  }
  if (!given) return undefined;
  const retriesRaw = flags.strings.get("health-retries");
  if (retriesRaw !== undefined && !/^-?\d+$/.test(retriesRaw)) {
    throw new UserError(
      `invalid argument "${retriesRaw}" for "--health-retries" flag: strconv.ParseInt: parsing "${retriesRaw}": invalid syntax`,
    );
  }
  const retries = retriesRaw === undefined ? undefined : Number(retriesRaw);
  if (retries !== undefined && retries < 0) {
    throw new UserError("dockergsh: --health-retries cannot be negative.");
  }
  const cmd = flags.strings.get("health-cmd");
  const check: HealthConfig = {
    test: cmd === undefined || cmd === "" ? [] : ["CMD-SHELL", cmd],
    intervalNs: duration(flags, "health-interval", "Interval"),
    timeoutNs: duration(flags, "health-timeout", "Timeout"),
    startPeriodNs: duration(flags, "health-start-period", "StartPeriod"),
    retries: retries || undefined,
  };
  return Object.fromEntries(
    Object.entries(check).filter(([, v]) => v !== undefined),
  ) as HealthConfig;
}
