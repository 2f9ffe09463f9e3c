/**
 * `dockergsh history [--no-trunc] [-q] IMAGE`: Docker's IMAGE,
 * CREATED, CREATED BY, SIZE, COMMENT (see src/image/image_history.ts).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { usesDefaultTag } from "../_default_tag.ts";
import { imageHistory } from "../../image/image_history.ts";
import { ImageStore } from "../../image/store.ts";
import { shortId } from "../../store/ids.ts";
import type { Command } from "../command.ts";
import { humanSize, timeAgo } from "../_humanize.ts";
import { formatTable } from "../_table.ts";

const HEADERS = ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"];

/** Docker's stringutils.Ellipsis: at most `max` characters, the last one "…" when cut. */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** The `history` command. */
export const command: Command = {
  name: "history",
  usage: "history [OPTIONS] IMAGE",
  summary: "Show the history of an image",
  flags: [
    { long: "no-trunc", kind: "bool", help: "Don't truncate output" },
    { long: "quiet", short: "q", kind: "bool", help: "Only show image IDs" },
  ],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, flags) {
    const noTrunc = flags.bools.has("no-trunc");
    const [ref] = flags.positionals;
    const images = new ImageStore(ctx.root);
    if (!images.find(ref)) {
      // Docker 20.10: the reference with its default tag, exit 1.
      const name = usesDefaultTag(ref) ? `${ref}:latest` : ref;
      throw new UserError(`Error response from daemon: No such image: ${name}`, 1);
    }
    const rows = imageHistory(images, ref);
    const id = (full: string) => (noTrunc || full === "<missing>" ? full : shortId(full.slice(7)));
    if (flags.bools.has("quiet")) {
      for (const row of rows) console.log(id(row.id));
      return Promise.resolve(0);
    }
    const now = new Date();
    console.log(formatTable(
      HEADERS,
      rows.map((row) => {
        const createdBy = row.createdBy.replaceAll("\t", " ");
        return [
          id(row.id),
          timeAgo(row.created, now),
          noTrunc ? createdBy : ellipsis(createdBy, 45),
          humanSize(row.size),
          row.comment,
        ];
      }),
    ));
    return Promise.resolve(0);
  },
};
