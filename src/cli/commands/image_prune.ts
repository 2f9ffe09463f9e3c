/**
 * `dockergsh image prune [-a] [-f] [--filter until=…|label=…|label!=…]`:
 * removes dangling images (with `-a`, every image no container uses), see
 * src/image/image_prune.ts.
 *
 * @module
 */

import { ContainerStore } from "../../container/store.ts";
import { pruneImages } from "../../image/image_prune.ts";
import type { Command } from "../command.ts";
import { humanSize } from "../_humanize.ts";
import { confirmed } from "../_confirm.ts";
import { imagePruneFilter } from "../_prune_filter.ts";

/** `image prune [-a] [-f] [--filter …]`. */
export const command: Command = {
  name: "prune",
  usage: "prune [OPTIONS]",
  summary: "Remove unused images",
  flags: [
    {
      long: "all",
      short: "a",
      kind: "bool",
      help: "Remove all unused images, not just dangling ones",
    },
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
    const all = flags.bools.has("all");
    const selects = imagePruneFilter(flags.lists.get("filter") ?? []);
    const warning = all
      ? "WARNING! This will remove all images without at least one container associated to them."
      : "WARNING! This will remove all dangling images.";
    if (!flags.bools.has("force") && !(await confirmed(warning))) return 0;
    const used = new Set(new ContainerStore(ctx.root).list().map((c) => c.config.imageId));
    const report = await pruneImages(ctx.root, all, used, selects);
    if (report.lines.length) console.log(["Deleted Images:", ...report.lines, ""].join("\n"));
    // go-units HumanSize: four significant digits.
    console.log(`Total reclaimed space: ${humanSize(report.reclaimed, 4)}`);
    return 0;
  },
};
