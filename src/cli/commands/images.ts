/**
 * `dockergsh images [-a] [-q] [--digests] [--no-trunc] [-f KEY=VALUE]
 * [--format T] [REPOSITORY[:TAG]]`:
 * Docker's REPOSITORY, TAG, (DIGEST,) IMAGE ID, CREATED, SIZE; rows as
 * Docker's CLI makes them: one per tag (per tag and digest of its
 * repository with `--digests`), a repository known only by digest as a
 * `<none>` tag, and `<none>` `<none>` for an image with neither.
 *
 * @module
 */

import { formatReference, tryParseReference } from "../../image/reference.ts";
import { UserError } from "../../errors.ts";
import { type ImageRecord, ImageStore } from "../../image/store.ts";
import type { Command } from "../command.ts";
import { formatRows } from "../_format_output.ts";
import {
  IMAGE_HEADERS,
  imageFields,
  imageFilter,
  type ImageRow as Row,
  parseImageFilters,
} from "../_image_list.ts";
import { formatTable } from "../_table.ts";

const COLUMNS = ["Repository", "Tag", "ID", "CreatedSince", "Size"];

/** The rows of `image`, as docker-cli's image formatter pairs tags and digests. */
function rows(image: ImageRecord, withDigests: boolean): Row[] {
  const tags = new Map<string, string[]>();
  for (const ref of image.repoTags) {
    const colon = ref.lastIndexOf(":");
    const repo = ref.slice(0, colon);
    tags.set(repo, [...(tags.get(repo) ?? []), ref.slice(colon + 1)]);
  }
  const digests = new Map<string, string[]>();
  for (const ref of image.repoDigests ?? []) {
    const at = ref.indexOf("@");
    const repo = ref.slice(0, at);
    digests.set(repo, [...(digests.get(repo) ?? []), ref.slice(at + 1)]);
  }
  const out: Row[] = [];
  for (const [repository, repoTags] of tags) {
    const repoDigests = withDigests ? digests.get(repository) ?? [] : [];
    digests.delete(repository);
    for (const tag of repoTags) {
      if (repoDigests.length === 0) out.push({ repository, tag, digest: "<none>", image });
      for (const digest of repoDigests) out.push({ repository, tag, digest, image });
    }
  }
  for (const [repository, repoDigests] of digests) {
    if (!withDigests) out.push({ repository, tag: "<none>", digest: "<none>", image });
    else for (const digest of repoDigests) out.push({ repository, tag: "<none>", digest, image });
  }
  if (out.length === 0) out.push({ repository: "<none>", tag: "<none>", digest: "<none>", image });
  return out;
}

/** Does row `r` match the `REPOSITORY[:TAG]` filter? (A filter without a tag matches every tag.) */
function matches(r: { repository: string; tag: string }, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  const wanted = tryParseReference(filter);
  if (!wanted) return false;
  if (!filter.slice(filter.lastIndexOf("/") + 1).includes(":")) {
    return r.repository === wanted.repository;
  }
  return `${r.repository}:${r.tag}` === formatReference(wanted);
}

/** The `images` command. */
export const command: Command = {
  name: "images",
  usage: "images [OPTIONS] [REPOSITORY[:TAG]]",
  summary: "List images",
  flags: [
    {
      long: "all",
      short: "a",
      kind: "bool",
      // There are no intermediate images here: every image is shown either way.
      help: "Show all images (default hides intermediate images)",
    },
    { long: "quiet", short: "q", kind: "bool", help: "Only show image IDs" },
    { long: "digests", kind: "bool", help: "Show digests" },
    { long: "no-trunc", kind: "bool", help: "Don't truncate output" },
    {
      long: "filter",
      short: "f",
      kind: "list",
      type: "filter",
      help: "Filter output based on conditions provided",
    },
    { long: "format", kind: "string", help: "Pretty-print images using a Go template" },
  ],
  maxArgs: 1,
  run(ctx, flags) {
    const [filter] = flags.positionals;
    const noTrunc = flags.bools.has("no-trunc");
    const now = new Date();
    const withDigests = flags.bools.has("digests");
    const images = new ImageStore(ctx.root);
    const keep = imageFilter(parseImageFilters(flags.lists.get("filter") ?? []), (ref) => {
      const image = images.find(ref);
      if (!image) {
        const name = tryParseReference(ref);
        throw new UserError(
          `Error response from daemon: No such image: ${name ? formatReference(name) : ref}`,
          1,
        );
      }
      return Date.parse(image.created);
    });
    const all = images.list().flatMap((image) => rows(image, withDigests))
      .filter((r) => matches(r, filter) && keep(r));
    const fields = all.map((r) => imageFields(r, { noTrunc, now }));
    // Docker: a format wins over -q, and "table" alone is the default table.
    const format = flags.strings.get("format");
    if (format !== undefined && format.trim() !== "table") {
      const type = {
        headers: IMAGE_HEADERS,
        structType: "*formatter.imageContext",
        execPrefix: "template parsing error",
        parsePrefix: "template parsing error",
      } as const;
      for (const line of formatRows(format, fields, type)) console.log(line);
      return Promise.resolve(0);
    }
    if (flags.bools.has("quiet")) {
      for (const imageId of new Set(fields.map((f) => f.ID))) console.log(imageId);
      return Promise.resolve(0);
    }
    const columns = withDigests ? [...COLUMNS.slice(0, 2), "Digest", ...COLUMNS.slice(2)] : COLUMNS;
    console.log(formatTable(
      columns.map((c) => String(IMAGE_HEADERS[c])),
      fields.map((f) => columns.map((c) => String(f[c]))),
    ));
    return Promise.resolve(0);
  },
};
