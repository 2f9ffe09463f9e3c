/**
 * `dockergsh stats [-a] [--no-stream] [CONTAINER...]`: live CPU, memory,
 * network, block I/O and PIDs of containers, read from their cgroups. Like
 * Docker, CPU % comes from two readings about a second apart; without
 * containers named it shows every running one (every one with `-a`, the
 * stopped ones as zeros) and picks up new ones while streaming;
 * `--no-stream` prints one table and exits, otherwise the table is redrawn
 * every second until Ctrl-C.
 *
 * @module
 */

import { sampleContainer, type StatsSample } from "../../container/container_stats.ts";
import type { ContainerRecord } from "../../container/record.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";
import { STATS_FORMAT_HEADERS, STATS_HEADERS, statsFields, statsRow } from "../_stats_columns.ts";
import { formatRows } from "../_format_output.ts";
import { formatTable } from "../_table.ts";

const INTERVAL_MS = 1000;
/** Clear the screen and go home, as docker stats redraws. */
const CLEAR = "\x1b[2J\x1b[H";

/** The `stats` command. */
export const command: Command = {
  name: "stats",
  usage: "stats [OPTIONS] [CONTAINER...]",
  summary: "Display a live stream of container(s) resource usage statistics",
  flags: [
    {
      long: "all",
      short: "a",
      kind: "bool",
      help: "Show all containers (default shows just running)",
    },
    {
      long: "no-stream",
      kind: "bool",
      help: "Disable streaming stats and only pull the first result",
    },
    { long: "format", kind: "string", help: "Pretty-print images using a Go template" },
    { long: "no-trunc", kind: "bool", help: "Do not truncate output" },
  ],
  async run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    const refs = flags.positionals;
    // Named containers are resolved once (an unknown name fails at once);
    // without names, the running set is listed again on every round.
    const named = refs.map((ref) => store.resolve(ref).id);
    const containers = (): ContainerRecord[] =>
      named.length > 0
        ? named.map((id) => store.get(id))
        : store.list().filter((r) => flags.bools.has("all") || r.state.status === "running")
          .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));

    let prev = new Map<string, StatsSample | undefined>();
    for (const rec of containers()) prev.set(rec.id, sampleContainer(rec));
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      const cur = new Map<string, StatsSample | undefined>();
      const shown = containers();
      const rows = shown.map((rec) => {
        const sample = sampleContainer(rec);
        cur.set(rec.id, sample);
        const row = statsRow(rec, prev.get(rec.id), sample);
        if (flags.bools.has("no-trunc")) row[0] = rec.id;
        return row;
      });
      const format = flags.strings.get("format");
      // Docker's Container column is the reference as given, else the (short) ID.
      const table = format === undefined ? formatTable(STATS_HEADERS, rows) : formatRows(
        format,
        rows.map((row, i) => statsFields(row, refs[named.indexOf(shown[i].id)] ?? row[0])),
        {
          headers: STATS_FORMAT_HEADERS,
          structType: "*container.statsContext",
          execPrefix: "template parsing error",
          parsePrefix: "template parsing error",
        },
      ).join("\n");
      if (flags.bools.has("no-stream")) {
        console.log(table);
        return 0;
      }
      Deno.stdout.writeSync(new TextEncoder().encode(`${CLEAR}${table}\n`));
      prev = cur;
    }
  },
};
