/**
 * `dockergsh pull [-q] [-a] [--platform os/arch[/variant]] NAME[:TAG|@DIGEST]`:
 * an image (or with `-a` every tagged image of a repository) from a
 * registry, with Docker's output (plain lines, as Docker writes them when
 * stdout is not a terminal).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { parsePlatform } from "../../registry/manifest.ts";
import { pullAllTags, pullImage } from "../../registry/pull.ts";
import { needsSpace } from "../../store/disk_full.ts";
import type { Command } from "../command.ts";
import { usesDefaultTag } from "../_default_tag.ts";
import { progressSink } from "../_progress.ts";

/** The `pull` command. */
export const command: Command = {
  name: "pull",
  usage: "pull [OPTIONS] NAME[:TAG|@DIGEST]",
  summary: "Pull an image or a repository from a registry",
  flags: [
    {
      long: "all-tags",
      short: "a",
      kind: "bool",
      help: "Download all tagged images in the repository",
    },
    { long: "quiet", short: "q", kind: "bool", help: "Suppress verbose output" },
    { long: "platform", kind: "string", help: "Set platform if server is multi-platform capable" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, flags) {
    const quiet = flags.bools.has("quiet");
    const platformText = flags.strings.get("platform");
    let platform;
    try {
      platform = platformText === undefined ? undefined : parsePlatform(platformText);
    } catch (err) {
      throw new UserError(`dockergsh: ${(err as Error).message}`);
    }
    const options = {
      platform,
      insecureRegistries: ctx.insecureRegistries,
      progress: progressSink("stdout", quiet),
    };
    if (flags.bools.has("all-tags")) {
      const all = await needsSpace(
        ctx.root,
        () => pullAllTags(ctx.root, ctx.kernel, flags.positionals[0], options),
        `pulling ${flags.positionals[0]}`,
      );
      if (!quiet) console.log(all.status);
      console.log(all.reference);
      return 0;
    }
    if (!quiet && usesDefaultTag(flags.positionals[0])) console.log("Using default tag: latest");
    const result = await needsSpace(
      ctx.root,
      () => pullImage(ctx.root, ctx.kernel, flags.positionals[0], options),
      `pulling ${flags.positionals[0]}`,
    );
    if (!quiet) {
      console.log(`Digest: ${result.digest}`);
      console.log(result.status);
    }
    console.log(result.reference);
    return 0;
  },
};
