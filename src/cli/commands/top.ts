/**
 * `dockergsh top CONTAINER [ps OPTIONS]`: the container's processes. By
 * default in `ps -ef`'s columns, read from /proc; with ps options, the
 * host's `ps` run with them and its rows kept for the container's PIDs
 * (Docker does the same), the table in Docker's shape (cells at least 20
 * wide).
 *
 * @module
 */

import { containerPids, PS_EF_TITLES, topRows } from "../../container/container_top.ts";
import { eventSubject } from "../../container/events.ts";
import { ContainerStore } from "../../container/store.ts";
import { recordEvent } from "../../events/events.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { formatTable } from "../_table.ts";

/** Docker's top table: tabwriter with a minimum cell width of 20. */
const TOP_MIN_WIDTH = 20;

/** Splits `ps` output into titles and rows; the last column (the command) keeps its spaces. */
function parsePs(text: string): { titles: string[]; rows: string[][] } {
  const [header, ...lines] = text.split("\n").filter((l) => l.trim() !== "");
  const titles = header.trim().split(/\s+/);
  const rows = lines.map((line) => {
    const fields = line.trim().split(/\s+/);
    return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")];
  });
  return { titles, rows };
}

async function hostPs(args: string[], pids: number[]): Promise<string> {
  const out = await new Deno.Command("ps", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new UserError(
      `Error response from daemon: ps: ${dec.decode(out.stderr).trim()}`,
      1,
    );
  }
  const { titles, rows } = parsePs(dec.decode(out.stdout));
  const pidCol = titles.indexOf("PID");
  if (pidCol < 0) {
    throw new UserError("Error response from daemon: Couldn't find PID field in ps output", 1);
  }
  const wanted = new Set(pids.map(String));
  return formatTable(titles, rows.filter((r) => wanted.has(r[pidCol])), TOP_MIN_WIDTH);
}

/** The `top` command. */
export const command: Command = {
  name: "top",
  usage: "top CONTAINER [ps OPTIONS]",
  summary: "Display the running processes of a container",
  flags: [],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, flags) {
    const [ref, ...psArgs] = flags.positionals;
    const record = new ContainerStore(ctx.root).resolve(ref);
    if (psArgs.length === 0) {
      console.log(formatTable(PS_EF_TITLES, topRows(record), TOP_MIN_WIDTH));
    } else {
      console.log(await hostPs(psArgs, containerPids(record)));
    }
    recordEvent(ctx.root, "top", eventSubject(record));
    return 0;
  },
};
