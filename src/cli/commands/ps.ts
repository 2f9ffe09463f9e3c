/**
 * `dockergsh ps [-a] [-q] [-s] [-n N] [-l] [--no-trunc] [-f KEY=VALUE]
 * [--format T]`: containers, newest first. Each record is reconciled with
 * /proc before it is shown (listContainerRecords), so a container whose
 * process died on its own shows as exited, and a recycled PID is never
 * taken for the container. The container store (unless a record must
 * change), the image store, the layer sizes and the template engine are
 * loaded only for what needs them: a plain `ps` is a start-up and a
 * directory of records.
 *
 * @module
 */

import type { ContainerRecord } from "../../container/record.ts";
import { listContainerRecords } from "../../container/record_reader.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import type { ParsedFlags } from "../flags.ts";
import {
  filtersIncludeStopped,
  parsePsFilters,
  PS_HEADERS,
  type PsField,
  psFields,
  psFilter,
} from "../_container_list.ts";
import { formatTable } from "../_table.ts";
import { printLines } from "../_write_stdout.ts";

const COLUMNS: PsField[] = ["ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names"];

/** Whether the output has sizes (`-s`, or a format that reads them): they need the kernel. */
function showsSizes(flags: ParsedFlags): boolean {
  return flags.bools.has("size") || /\.Size\b|json \./.test(flags.strings.get("format") ?? "");
}

/** The `ps` command. */
export const command: Command = {
  name: "ps",
  usage: "ps [OPTIONS]",
  summary: "List containers",
  flags: [
    {
      long: "all",
      short: "a",
      kind: "bool",
      help: "Show all containers (default shows just running)",
    },
    {
      long: "filter",
      short: "f",
      kind: "list",
      type: "filter",
      help: "Filter output based on conditions provided",
    },
    { long: "format", kind: "string", help: "Pretty-print containers using a Go template" },
    {
      long: "last",
      short: "n",
      kind: "string",
      type: "int",
      defaultValue: "-1",
      help: "Show n last created containers (includes all states)",
    },
    {
      long: "latest",
      short: "l",
      kind: "bool",
      help: "Show the latest created container (includes all states)",
    },
    { long: "quiet", short: "q", kind: "bool", help: "Only display container IDs" },
    { long: "size", short: "s", kind: "bool", help: "Display total file sizes" },
    { long: "no-trunc", kind: "bool", help: "Don't truncate output" },
  ],
  maxArgs: 0,
  usesKernel: showsSizes,
  async run(ctx, flags) {
    const noTrunc = flags.bools.has("no-trunc");
    const now = new Date();
    const lastRaw = flags.strings.get("last") ?? "-1";
    if (!/^-?\d+$/.test(lastRaw)) {
      throw new UserError(
        `invalid argument "${lastRaw}" for "-n, --last" flag: strconv.ParseInt: parsing "${lastRaw}": invalid syntax`,
      );
    }
    const last = flags.bools.has("latest") ? 1 : Number(lastRaw);
    const filters = parsePsFilters(flags.lists.get("filter") ?? []);
    // The store's lookup by name or ID prefix, for the containers `before`/`since` name.
    const store = filters.has("before") || filters.has("since")
      ? new (await import("../../container/store.ts")).ContainerStore(ctx.root)
      : undefined;
    const format = flags.strings.get("format");
    const withSize = showsSizes(flags);
    const images = filters.has("ancestor") || withSize
      ? new (await import("../../image/store.ts")).ImageStore(ctx.root)
      : undefined;
    // Asked for only by a `before`/`since` filter, which made the store.
    const createdOf = (ref: string) => Date.parse(store?.resolve(ref).created ?? "");
    const keep = psFilter(filters, createdOf, (ref) => {
      try {
        return images?.resolve(ref).id;
      } catch {
        return undefined;
      }
    });
    const all = flags.bools.has("all") || last > 0 || filtersIncludeStopped(filters);
    // Newest first; each creation time parsed once, not twice per comparison.
    let records = (await listContainerRecords(ctx.root))
      .filter((r) => all || r.state.status === "running")
      .filter(keep)
      .map((r) => ({ r, created: Date.parse(r.created) }))
      .sort((a, b) => b.created - a.created)
      .map(({ r }) => r);
    if (last > 0) records = records.slice(0, last);

    if (flags.bools.has("quiet")) {
      printLines(records.map((r) => noTrunc ? r.id : r.id.slice(0, 12)));
      return 0;
    }
    const imageSizes = new Map<string, number>();
    const sizeOf = (imageId: string) => {
      if (!imageSizes.has(imageId)) {
        const image = images!.list().find((i) => i.id === imageId);
        imageSizes.set(imageId, image?.size ?? 0);
      }
      return imageSizes.get(imageId)!;
    };
    const { writableLayerSize } = withSize
      ? await import("../../container/container_size.ts")
      : { writableLayerSize: undefined };
    const columns: PsField[] = flags.bools.has("size") ? [...COLUMNS, "Size"] : COLUMNS;
    // A template may name any field; the table only its columns.
    const fieldsOf = (r: ContainerRecord) =>
      psFields(r, {
        noTrunc,
        now,
        size: writableLayerSize
          ? { rw: writableLayerSize(ctx.root, ctx.kernel, r), image: sizeOf(r.config.imageId) }
          : undefined,
      }, format === undefined ? columns : undefined);
    const rows = records.map(fieldsOf);
    const type = {
      headers: PS_HEADERS,
      structType: "*formatter.ContainerContext",
      execPrefix: "failed to execute template",
      parsePrefix: "failed to parse template",
    } as const;
    if (format !== undefined) {
      const { formatRows } = await import("../_format_output.ts");
      printLines(formatRows(format, rows, type));
      return 0;
    }
    printLines([formatTable(
      columns.map((c) => String(PS_HEADERS[c])),
      rows.map((row) => columns.map((c) => String(row[c]))),
    )]);
    return 0;
  },
};
