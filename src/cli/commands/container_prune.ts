/**
 * `dockergsh container prune [-f] [--filter until=…|label=…]`: remove all
 * stopped containers, after a confirmation unless forced, as Docker's.
 *
 * @module
 */

import { pruneContainers, pruneFilter } from "../../container/container_prune.ts";
import type { Command } from "../command.ts";
import { humanSize } from "../_humanize.ts";
import { parseEventTime } from "../_time_flag.ts";

/** Reads a y/N answer from stdin (EOF is no). */
function confirmed(question: string): boolean {
  Deno.stdout.writeSync(new TextEncoder().encode(`${question} [y/N] `));
  const buf = new Uint8Array(1024);
  const n = Deno.stdin.readSync(buf) ?? 0;
  const answer = new TextDecoder().decode(buf.subarray(0, n)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/** The `container prune` command. */
export const command: Command = {
  name: "container prune",
  usage: "prune [OPTIONS]",
  summary: "Remove all stopped containers",
  flags: [
    {
      long: "filter",
      kind: "list",
      type: "filter",
      help: "Provide filter values (e.g. 'until=<timestamp>')",
    },
    { long: "force", short: "f", kind: "bool", help: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const now = Date.now();
    const filter = pruneFilter(
      flags.lists.get("filter") ?? [],
      (v) => parseEventTime(v, now) / 1e6,
    );
    const warning = "WARNING! This will remove all stopped containers.\n" +
      "Are you sure you want to continue?";
    if (!flags.bools.has("force") && !confirmed(warning)) {
      console.log("Total reclaimed space: 0B");
      return 0;
    }
    const report = await pruneContainers(ctx.root, ctx.kernel, filter);
    if (report.deleted.length > 0) {
      console.log(["Deleted Containers:", ...report.deleted, ""].join("\n"));
    }
    console.log(`Total reclaimed space: ${humanSize(report.reclaimedBytes, 4)}`);
    return 0;
  },
};
