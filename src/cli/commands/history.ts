/**
 * `dockergsh history [--no-trunc] [-q] [--format T] IMAGE`: Docker's IMAGE,
 * CREATED, CREATED BY, SIZE, COMMENT (see src/image/image_history.ts); its
 * historyContext fields for `--format`.
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
import { formatRows } from "../_format_output.ts";
import { formatTable } from "../_table.ts";

/** The header of each field in a `table` format. */
const HEADERS: Record<string, string> = {
  Comment: "COMMENT",
  CreatedAt: "CREATED AT",
  CreatedBy: "CREATED BY",
  CreatedSince: "CREATED",
  ID: "IMAGE",
  Size: "SIZE",
};
const COLUMNS = ["ID", "CreatedSince", "CreatedBy", "Size", "Comment"];

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
    { long: "format", kind: "string", help: "Pretty-print images using a Go template" },
    {
      long: "human",
      short: "H",
      kind: "bool",
      defaultValue: "true",
      help: "Print sizes and dates in human readable format",
    },
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
    // Docker's -H=false: the time as RFC 3339 (in the CREATED AT column) and sizes in bytes.
    const human = flags.bools.has("human");
    const fields = rows.map((row) => {
      const createdBy = row.createdBy.replaceAll("\t", " ");
      // RFC 3339 in seconds, as Docker's.
      const createdAt = new Date(row.created).toISOString().replace(/\.\d+Z$/, "Z");
      return {
        Comment: row.comment,
        CreatedAt: createdAt,
        CreatedBy: noTrunc ? createdBy : ellipsis(createdBy, 45),
        CreatedSince: human ? timeAgo(row.created, now) : createdAt,
        ID: id(row.id),
        Size: human ? humanSize(row.size) : String(row.size),
      };
    });
    const format = flags.strings.get("format");
    if (format !== undefined && format.trim() !== "table") {
      const type = {
        headers: HEADERS,
        structType: "*image.historyContext",
        execPrefix: "template parsing error",
        parsePrefix: "template parsing error",
      } as const;
      for (const line of formatRows(format, fields, type)) console.log(line);
      return Promise.resolve(0);
    }
    console.log(formatTable(
      COLUMNS.map((c) => (c === "CreatedSince" && !human ? HEADERS.CreatedAt : HEADERS[c])),
      fields.map((f) => COLUMNS.map((c) => f[c as keyof typeof f])),
    ));
    return Promise.resolve(0);
  },
};
