/**
 * What `images` shows of each row: Docker's image formatter fields
 * (Containers, CreatedAt, CreatedSince, Digest, ID, Repository,
 * SharedSize, Size, Tag, UniqueSize, VirtualSize) for `--format`, and its
 * `--filter` keys (dangling, reference, label, before, since), as Docker
 * 20.10 printed them here.
 *
 * @module
 */

import type { ImageRecord } from "../image/store.ts";
import { UserError } from "../errors.ts";
import { shortId } from "../store/ids.ts";
import { goTimeString } from "./_container_list.ts";
import { humanSize, timeAgo } from "./_humanize.ts";

/** One row of `images`: a repository and tag (or digest) of an image. */
export interface ImageRow {
  repository: string;
  tag: string;
  digest: string;
  image: ImageRecord;
}

/** The header of each field in a `table` format (VirtualSize is "SIZE" too, as in Docker). */
export const IMAGE_HEADERS: Record<string, unknown> = {
  Containers: "CONTAINERS",
  CreatedAt: "CREATED AT",
  CreatedSince: "CREATED",
  Digest: "DIGEST",
  ID: "IMAGE ID",
  Repository: "REPOSITORY",
  SharedSize: "SHARED SIZE",
  Size: "SIZE",
  Tag: "TAG",
  UniqueSize: "UNIQUE SIZE",
  VirtualSize: "SIZE",
};

/** Docker's imageContext fields of `row`, keys in Go's JSON (sorted) order. */
export function imageFields(
  row: ImageRow,
  opts: { noTrunc: boolean; now: Date },
): Record<string, unknown> {
  return {
    // Docker's CLI fills the three only for `system df -v`.
    Containers: "N/A",
    CreatedAt: goTimeString(row.image.created),
    CreatedSince: timeAgo(row.image.created, opts.now),
    Digest: row.digest,
    ID: opts.noTrunc ? `sha256:${row.image.id}` : shortId(row.image.id),
    Repository: row.repository,
    SharedSize: "N/A",
    Size: humanSize(row.image.size),
    Tag: row.tag,
    UniqueSize: "N/A",
    VirtualSize: humanSize(row.image.size, 4),
  };
}

const KEYS = ["dangling", "reference", "label", "before", "since"];

/** The `--filter` values parsed: key → values (alternatives). */
export type ImageFilters = Map<string, string[]>;

/** Parses `--filter` values as Docker does (a value without `=` is refused by its flag parser). */
export function parseImageFilters(specs: readonly string[]): ImageFilters {
  const out: ImageFilters = new Map();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) {
      throw new UserError(
        `invalid argument "${spec}" for "-f, --filter" flag: bad format of filter (expected name=value)`,
      );
    }
    const key = spec.slice(0, eq).toLowerCase();
    const value = spec.slice(eq + 1);
    if (!KEYS.includes(key)) {
      throw new UserError(`Error response from daemon: Invalid filter '${key}'`, 1);
    }
    out.set(key, [...out.get(key) ?? [], value]);
  }
  const dangling = out.get("dangling") ?? [];
  for (const v of dangling) {
    if (!["true", "false", "1", "0"].includes(v)) {
      throw new UserError(`Error response from daemon: Invalid filter 'dangling=[${v}]'`, 1);
    }
  }
  return out;
}

/** Go's path.Match pattern as a regular expression (`*` and `?` do not cross a `/`). */
function globRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) return /(?!)/;
      const body = pattern.slice(i + 1, close).replace(/^\^/, "!");
      source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = close;
    } else if (c === "\\" && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function hasLabel(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/**
 * The predicate the filters describe on rows; `createdOf` gives the
 * creation time of the image a `before`/`since` value names (Docker's
 * "No such image" when there is none).
 */
export function imageFilter(
  filters: ImageFilters,
  createdOf: (ref: string) => number,
): (row: ImageRow) => boolean {
  const references = (filters.get("reference") ?? []).map(globRegExp);
  const dangling = filters.get("dangling") ?? [];
  const before = (filters.get("before") ?? []).map(createdOf);
  const since = (filters.get("since") ?? []).map(createdOf);
  const labels = filters.get("label") ?? [];
  return (row) => {
    const created = Date.parse(row.image.created);
    const isDangling = row.image.repoTags.length === 0;
    // Docker: a repository matches by name, or by name:tag.
    const named = row.repository === "<none>" ? [] : [
      row.repository,
      ...(row.tag === "<none>" ? [] : [`${row.repository}:${row.tag}`]),
    ];
    return dangling.every((v) => (v === "true" || v === "1") === isDangling) &&
      (references.length === 0 || references.some((r) => named.some((n) => r.test(n)))) &&
      labels.every((l) => hasLabel(row.image.config?.labels ?? {}, l)) &&
      before.every((t) => created < t) &&
      since.every((t) => created > t);
  };
}
