/**
 * `dockergsh push [-a] [-q] NAME[:TAG]`: an image (with `-a` every local
 * tag of the repository) to a registry (see src/registry/push.ts), with
 * Docker's plain (non-terminal) output.
 *
 * @module
 */

import { pushImage } from "../../registry/push.ts";
import type { Command } from "../command.ts";
import { usesDefaultTag } from "../_default_tag.ts";
import { progressSink } from "../_progress.ts";

/** The `push` command. */
export const command: Command = {
  name: "push",
  usage: "push [OPTIONS] NAME[:TAG]",
  summary: "Push an image or a repository to a registry",
  flags: [
    {
      long: "all-tags",
      short: "a",
      kind: "bool",
      help: "Push all tagged images in the repository",
    },
    { long: "quiet", short: "q", kind: "bool", help: "Suppress verbose output" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, flags) {
    const [name] = flags.positionals;
    const quiet = flags.bools.has("quiet");
    const allTags = flags.bools.has("all-tags");
    if (!quiet && !allTags && usesDefaultTag(name)) console.log("Using default tag: latest");
    await pushImage(ctx.root, name, {
      allTags,
      insecureRegistries: ctx.insecureRegistries,
      progress: progressSink("stdout", quiet),
    });
    if (quiet) console.log(name);
    return 0;
  },
};
