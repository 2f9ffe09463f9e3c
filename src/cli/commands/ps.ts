/**
 * `dockergsh ps [-a] [-q] [--no-trunc]`: containers, newest first. Each
 * record is reconciled with /proc before it is shown (ContainerStore.list),
 * so a container whose process died on its own shows as exited, and a
 * recycled PID is never taken for the container.
 *
 * @module
 */

import { ContainerStore } from "../../container/store.ts";
import { shortId } from "../../store/ids.ts";
import type { Command } from "../command.ts";
import { timeAgo } from "../_humanize.ts";
import { commandCell, portsCell, statusCell } from "../_ps_columns.ts";
import { healthSuffix } from "../../container/health_state.ts";
import { isRestarting } from "../../container/restarting.ts";
import { formatTable } from "../_table.ts";

const HEADERS = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"];

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
    { long: "quiet", short: "q", kind: "bool", help: "Only display container IDs" },
    { long: "no-trunc", kind: "bool", help: "Don't truncate output" },
  ],
  maxArgs: 0,
  run(ctx, flags) {
    const noTrunc = flags.bools.has("no-trunc");
    const now = new Date();
    const records = new ContainerStore(ctx.root).list()
      .filter((r) => flags.bools.has("all") || r.state.status === "running")
      .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    const id = (full: string) => (noTrunc ? full : shortId(full));
    if (flags.bools.has("quiet")) {
      for (const r of records) console.log(id(r.id));
      return Promise.resolve(0);
    }
    const rows = records.map((r) => [
      id(r.id),
      r.config.image,
      commandCell(r.config.cmd, noTrunc),
      timeAgo(r.created, now),
      // Docker: "Restarting (3) 1 second ago" in a restart's back-off.
      (isRestarting(r, now)
        ? statusCell(r.state, now).replace(/^Exited/, "Restarting")
        : statusCell(r.state, now)) + healthSuffix(r),
      r.state.status === "running" && r.endpoint ? portsCell(r.config.ports) : "",
      r.name,
    ]);
    console.log(formatTable(HEADERS, rows));
    return Promise.resolve(0);
  },
};
