/**
 * What `ps` shows of each container: Docker's formatter fields (ID,
 * Image, Command, CreatedAt, RunningFor, Ports, State, Status, Size,
 * Names, Labels, Label "key", Mounts, Networks) for `--format` and the
 * table, and its `--filter` keys (status, name, id, label, ancestor,
 * exited, before, since, network, volume, publish, expose, health),
 * checked against Docker 20.10 here.
 *
 * @module
 */

import { healthSuffix } from "../container/health_state.ts";
import type { ContainerRecord } from "../container/record.ts";
import { isRestarting } from "../container/restarting.ts";
import { statusWord } from "../container/state.ts";
import { UserError } from "../errors.ts";
import { shortId } from "../store/ids.ts";
import { humanSize, timeAgo } from "./_humanize.ts";
import { commandCell, ellipsis, portsCell, statusCell } from "./_ps_columns.ts";

/** The header of each field in a `table` format (`Label "k"` is a method, as in Docker). */
export const PS_HEADERS: Record<string, unknown> = {
  Command: "COMMAND",
  Label: (key: unknown) => String(key),
  CreatedAt: "CREATED AT",
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Labels: "LABELS",
  LocalVolumes: "LOCAL VOLUMES",
  Mounts: "MOUNTS",
  Names: "NAMES",
  Networks: "NETWORKS",
  Ports: "PORTS",
  RunningFor: "CREATED",
  Size: "SIZE",
  State: "STATE",
  Status: "STATUS",
};

/**
 * Go's time.Time String in the local zone: "2026-12-01 11:09:53 +0000 UTC";
 * with `fraction`, the sub-second digits too, trailing zeros cut ("…:53.518 +0000 UTC").
 */
export function goTimeString(iso: string, fraction = false): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const zone = offset === 0 ? "UTC" : new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
    .formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? "";
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${
    two(d.getMinutes())
  }:${two(d.getSeconds())}${
    fraction && d.getMilliseconds()
      ? `.${String(d.getMilliseconds()).padStart(3, "0").replace(/0+$/, "")}`
      : ""
  } ${sign}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)} ${zone}`;
}

/** The labels of a container (none in records made before `--label` existed). */
export function labelsOf(record: ContainerRecord): Record<string, string> {
  return (record.config as { labels?: Record<string, string> }).labels ?? {};
}

/** Sizes for `-s`: the writable layer's bytes and the image's. */
export interface SizeInfo {
  rw: number;
  image: number;
}

/** What a field is computed from besides its record. */
interface FieldOptions {
  noTrunc: boolean;
  now: Date;
  size?: SizeInfo;
}

/** Each of Docker's ContainerContext fields of a record, in Go's JSON (sorted) order. */
const FIELDS = {
  Command: (r, opts) => commandCell(r.config.cmd, opts.noTrunc),
  CreatedAt: (r) => goTimeString(r.created),
  ID: (r, opts) => opts.noTrunc ? r.id : shortId(r.id),
  Image: (r) => r.config.image,
  // A method, so `{{json .}}` leaves it out as Docker's does.
  Label: (r) => (key: unknown) => labelsOf(r)[String(key)] ?? "",
  Labels: (r) => {
    const labels = labelsOf(r);
    return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",");
  },
  LocalVolumes: () => "0",
  Mounts: (r) => r.config.binds.map((b) => ellipsis(b.source, 15)).join(","),
  Names: (r) => r.name,
  Networks: (r) => r.config.networkMode,
  Ports: (r) => r.state.status === "running" && r.endpoint ? portsCell(r.config.ports) : "",
  RunningFor: (r, opts) => timeAgo(r.created, opts.now),
  Size: (_, opts) =>
    opts.size
      ? `${humanSize(opts.size.rw)} (virtual ${humanSize(opts.size.rw + opts.size.image)})`
      : "",
  State: (r) => statusWord(r.state),
  // Docker: "Restarting (3) 1 second ago" in a restart's back-off; "(healthy)" after.
  Status: (r, opts) =>
    (isRestarting(r, opts.now)
      ? statusCell(r.state, opts.now).replace(/^Exited/, "Restarting")
      : statusCell(r.state, opts.now)) + healthSuffix(r),
} satisfies Record<string, (r: ContainerRecord, opts: FieldOptions) => unknown>;

/** The name of one of Docker's ContainerContext fields. */
export type PsField = keyof typeof FIELDS;

const ALL_FIELDS = Object.keys(FIELDS) as PsField[];

/**
 * Docker's ContainerContext fields of `r`, keys in Go's JSON (sorted)
 * order; only those named in `names` when given (the table's columns: the
 * fields it does not show are not worth computing for every container).
 */
export function psFields(
  r: ContainerRecord,
  opts: FieldOptions,
  names: readonly PsField[] = ALL_FIELDS,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of names) fields[name] = FIELDS[name](r, opts);
  return fields;
}

const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];
const KEYS = [
  "status",
  "name",
  "id",
  "label",
  "ancestor",
  "exited",
  "before",
  "since",
  "network",
  "volume",
  "publish",
  "expose",
  "health",
];
const HEALTH = ["starting", "healthy", "unhealthy", "none"];

function invalid(spec: string): UserError {
  return new UserError(`Error response from daemon: Invalid filter '${spec}'`, 1);
}

/** A user's pattern as Docker's filters use it (a regular expression), or literal if it is not one. */
function pattern(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch {
    return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  }
}

function hasLabel(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** `80`, `80/tcp` against a port and protocol. */
function portMatches(value: string, port: number, protocol: string): boolean {
  const [p, proto = "tcp"] = value.split("/");
  return p === String(port) && proto === protocol;
}

/** The `--filter` values parsed: key → values (alternatives). */
export type PsFilters = Map<string, string[]>;

/** Parses `--filter` values, refusing keys and statuses Docker refuses. */
export function parsePsFilters(specs: readonly string[]): PsFilters {
  const out: PsFilters = new Map();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw invalid(spec);
    const key = spec.slice(0, eq).toLowerCase();
    const value = spec.slice(eq + 1);
    if (!KEYS.includes(key)) throw invalid(key);
    if (key === "status" && !STATUSES.includes(value)) throw invalid(spec);
    if (key === "exited" && !/^-?\d+$/.test(value)) throw invalid(spec);
    if (key === "health" && !HEALTH.includes(value)) {
      throw new UserError(
        `Error response from daemon: Unrecognised filter value for health: ${value}`,
        1,
      );
    }
    out.set(key, [...out.get(key) ?? [], value]);
  }
  return out;
}

/** True when a filter makes `ps` consider stopped containers without `-a` (Docker's: `status` only). */
export function filtersIncludeStopped(filters: PsFilters): boolean {
  return filters.has("status");
}

/**
 * The predicate the filters describe; `resolveCreated` gives the creation
 * time of the container a `before`/`since` value names.
 */
export function psFilter(
  filters: PsFilters,
  resolveCreated: (ref: string) => number,
  imageIdOf: (ref: string) => string | undefined,
): (r: ContainerRecord) => boolean {
  // Without filters every container is kept; a plain `ps` spares 13 tests a container.
  if (filters.size === 0) return () => true;
  const bounds = {
    before: (filters.get("before") ?? []).map(resolveCreated),
    since: (filters.get("since") ?? []).map(resolveCreated),
  };
  const ancestors = (filters.get("ancestor") ?? []).map((a) => ({ ref: a, id: imageIdOf(a) }));
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key);
    return values === undefined || values.some(test);
  };
  return (r) => {
    const created = Date.parse(r.created);
    return any("status", (v) => v === statusWord(r.state)) &&
      any("name", (v) => pattern(v).test(`/${r.name}`)) &&
      any("id", (v) => pattern(v).test(r.id)) &&
      any("label", (v) => hasLabel(labelsOf(r), v)) &&
      any("exited", (v) => r.state.status === "exited" && r.state.exitCode === Number(v)) &&
      any("network", (v) => v === r.config.networkMode) &&
      any("volume", (v) => r.config.binds.some((b) => b.source === v || b.destination === v)) &&
      any("publish", (v) => r.config.ports.some((p) => portMatches(v, p.hostPort, p.protocol))) &&
      any(
        "expose",
        (v) => r.config.ports.some((p) => portMatches(v, p.containerPort, p.protocol)),
      ) &&
      // No health checks here: every container's health is "none".
      any("health", (v) => v === "none") &&
      (!filters.has("ancestor") ||
        ancestors.some((a) =>
          a.ref === r.config.image || `${a.ref}:latest` === r.config.image ||
          a.ref === `${r.config.image}:latest` || a.id === r.config.imageId
        )) &&
      bounds.before.every((t) => created < t) &&
      bounds.since.every((t) => created > t);
  };
}
