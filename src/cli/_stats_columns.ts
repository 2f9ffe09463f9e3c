/**
 * The columns of `dockergsh stats`, formatted as `docker stats` prints them.
 *
 * @module
 */

import { cpuPercent, type StatsSample } from "../container/container_stats.ts";
import type { ContainerRecord } from "../container/record.ts";
import { shortId } from "../store/ids.ts";
import { humanSize } from "./_humanize.ts";

/** The header row. */
export const STATS_HEADERS = [
  "CONTAINER ID",
  "NAME",
  "CPU %",
  "MEM USAGE / LIMIT",
  "MEM %",
  "NET I/O",
  "BLOCK I/O",
  "PIDS",
];

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** go-units BytesSize (binary, 4 significant digits), as MEM USAGE shows: "1.5MiB". */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < BINARY_UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${Number(size.toPrecision(4))}${BINARY_UNITS[unit]}`;
}

/**
 * One row. `cur` is undefined for a container that is not running (zeros,
 * as Docker shows it); `prev` is the reading before, for CPU %. BLOCK I/O
 * is the cgroup's bytes read / written, in Docker's units.
 */
export function statsRow(
  rec: ContainerRecord,
  prev: StatsSample | undefined,
  cur: StatsSample | undefined,
): string[] {
  const percent = (n: number) => `${n.toFixed(2)}%`;
  if (!cur) {
    return [
      shortId(rec.id),
      rec.name,
      percent(0),
      "0B / 0B",
      percent(0),
      "0B / 0B",
      "0B / 0B",
      "0",
    ];
  }
  return [
    shortId(rec.id),
    rec.name,
    percent(cpuPercent(prev, cur)),
    `${bytesSize(cur.memoryUsage)} / ${bytesSize(cur.memoryLimit)}`,
    percent(cur.memoryLimit > 0 ? cur.memoryUsage / cur.memoryLimit * 100 : 0),
    `${humanSize(cur.rxBytes)} / ${humanSize(cur.txBytes)}`,
    `${humanSize(cur.blockRead)} / ${humanSize(cur.blockWrite)}`,
    `${cur.pids}`,
  ];
}

/** `stats --format` fields of a row (Docker's statsContext), keyed as Docker's JSON. */
export const STATS_FIELDS = [
  "ID",
  "Name",
  "CPUPerc",
  "MemUsage",
  "MemPerc",
  "NetIO",
  "BlockIO",
  "PIDs",
] as const;

/** Headers of the `stats --format` fields (`Container` is the reference as given). */
export const STATS_FORMAT_HEADERS: Record<string, string> = {
  BlockIO: "BLOCK I/O",
  CPUPerc: "CPU %",
  Container: "CONTAINER",
  ID: "CONTAINER ID",
  MemPerc: "MEM %",
  MemUsage: "MEM USAGE / LIMIT",
  Name: "NAME",
  NetIO: "NET I/O",
  PIDs: "PIDS",
};

/** The template object of one row: its cells by field, and `Container` as the user named it. */
export function statsFields(row: readonly string[], container: string): Record<string, string> {
  const cells: Record<string, string> = { Container: container };
  STATS_FIELDS.forEach((f, i) => cells[f] = row[i]);
  return Object.fromEntries(Object.keys(cells).sort().map((k) => [k, cells[k]]));
}
