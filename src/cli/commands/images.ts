/**
 * `dockergsh images [-a] [-q] [--no-trunc] [REPOSITORY[:TAG]]`: Docker's
 * REPOSITORY, TAG, IMAGE ID, CREATED, SIZE; one row per tag, `<none>` for
 * untagged images.
 *
 * @module
 */

import { formatReference, tryParseReference } from "../../image/reference.ts";
import { type ImageRecord, ImageStore } from "../../image/store.ts";
import { shortId } from "../../store/ids.ts";
import type { Command } from "../command.ts";
import { humanSize, timeAgo } from "../_humanize.ts";
import { formatTable } from "../_table.ts";

const HEADERS = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];

/** One row per tag; a tagless image is one `<none>` row. */
function rows(image: ImageRecord): { repository: string; tag: string; image: ImageRecord }[] {
  if (image.repoTags.length === 0) return [{ repository: "<none>", tag: "<none>", image }];
  return image.repoTags.map((ref) => {
    const colon = ref.lastIndexOf(":");
    return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), image };
  });
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
      help: "Show all images (untagged ones are always shown)",
    },
    { long: "quiet", short: "q", kind: "bool", help: "Only show image IDs" },
    { long: "no-trunc", kind: "bool", help: "Don't truncate output" },
  ],
  maxArgs: 1,
  run(ctx, flags) {
    const [filter] = flags.positionals;
    const noTrunc = flags.bools.has("no-trunc");
    const id = (full: string) => (noTrunc ? `sha256:${full}` : shortId(full));
    const now = new Date();
    const all = new ImageStore(ctx.root).list().flatMap(rows).filter((r) => matches(r, filter));
    if (flags.bools.has("quiet")) {
      for (const imageId of new Set(all.map((r) => id(r.image.id)))) console.log(imageId);
      return Promise.resolve(0);
    }
    console.log(formatTable(
      HEADERS,
      all.map((r) => [
        r.repository,
        r.tag,
        id(r.image.id),
        timeAgo(r.image.created, now),
        humanSize(r.image.size),
      ]),
    ));
    return Promise.resolve(0);
  },
};
