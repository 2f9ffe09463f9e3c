/**
 * `dockergsh image COMMAND`: Docker's image management group. Each
 * subcommand is the top-level command of the same job (`image ls` is
 * `images`, `image rm` is `rmi`, `image inspect` is `inspect --type
 * image`), plus `image prune` (see src/image/image_prune.ts).
 *
 * @module
 */

import type { Command } from "../command.ts";
import { commandGroup } from "../_group_dispatch.ts";
import { humanSize } from "../_humanize.ts";
import { confirmed } from "../_confirm.ts";

/** `image prune [-a] [-f]`. */
const prune: Command = {
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
    { long: "force", short: "f", kind: "bool", help: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const all = flags.bools.has("all");
    const warning = all
      ? "WARNING! This will remove all images without at least one container associated to them."
      : "WARNING! This will remove all dangling images.";
    if (!flags.bools.has("force") && !(await confirmed(warning))) return 0;
    // Loaded here: `image ls` and the others need none of it.
    const { pruneImages } = await import("../../image/image_prune.ts");
    const report = await pruneImages(ctx.root, all);
    if (report.lines.length) console.log(["Deleted Images:", ...report.lines, ""].join("\n"));
    // go-units HumanSize: four significant digits.
    console.log(`Total reclaimed space: ${humanSize(report.reclaimed, 4)}`);
    return 0;
  },
};

/** `image inspect`: `inspect` for images only. */
async function inspectImages(): Promise<{ command: Command }> {
  const { command } = await import("./inspect.ts");
  return {
    command: {
      ...command,
      flags: command.flags.filter((f) => f.long !== "type"),
      run(ctx, flags) {
        flags.strings.set("type", "image");
        return command.run(ctx, flags);
      },
    },
  };
}

/** The `image` command. */
export const command: Command = commandGroup("image", "Manage images", {
  history: () => import("./history.ts"),
  import: () => import("./import.ts"),
  inspect: inspectImages,
  load: () => import("./load.ts"),
  ls: () => import("./images.ts"),
  prune,
  pull: () => import("./pull.ts"),
  push: () => import("./push.ts"),
  rm: () => import("./rmi.ts"),
  save: () => import("./save.ts"),
  tag: () => import("./tag.ts"),
});
