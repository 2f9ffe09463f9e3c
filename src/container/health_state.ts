/**
 * A run's health, from its probes' results, by Docker's rules (see
 * container_health.ts, which runs the probes): what `inspect` and `ps` show.
 *
 * @module
 */

import type { ContainerRecord, HealthConfig, HealthProbe, HealthState } from "./record.ts";

/** Docker's default number of failures in a row that make a container unhealthy. */
const DEFAULT_RETRIES = 3;
/** Probes kept. */
const KEPT_PROBES = 5;

/** True when `check` asks for probes (`--no-healthcheck` and an empty test do not). */
export function hasProbes(check: HealthConfig | undefined): check is HealthConfig {
  return !!check && check.test.length > 0 && check.test[0] !== "NONE";
}

/** A run's health before its first probe. */
export function startingHealth(): HealthState {
  return { status: "starting", failingStreak: 0, log: [] };
}

/** The health after `probe`, for a run that started at `startedAt`. */
export function afterProbe(
  prev: HealthState,
  probe: HealthProbe,
  check: HealthConfig,
  startedAt: Date,
): HealthState {
  const log = [...prev.log, probe].slice(-KEPT_PROBES);
  if (probe.exitCode === 0) return { status: "healthy", failingStreak: 0, log };
  const inStartPeriod = Date.parse(probe.start) - startedAt.getTime() <
    (check.startPeriodNs ?? 0) / 1e6;
  if (inStartPeriod && prev.status === "starting") return { ...prev, log };
  const failingStreak = prev.failingStreak + 1;
  const unhealthy = failingStreak >= (check.retries ?? DEFAULT_RETRIES);
  return { status: unhealthy ? "unhealthy" : prev.status, failingStreak, log };
}

/** What `ps` adds to a running container's STATUS: Docker's " (healthy)" and the like. */
export function healthSuffix(rec: ContainerRecord): string {
  if (rec.state.status !== "running" || !rec.health || !hasProbes(rec.config.healthcheck)) {
    return "";
  }
  return rec.health.status === "starting" ? " (health: starting)" : ` (${rec.health.status})`;
}
