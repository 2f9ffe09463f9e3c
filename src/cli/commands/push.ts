/**
 * `dockergsh push NAME[:TAG]`: an image to a registry (see
 * src/registry/push.ts), with Docker's plain (non-terminal) output.
 *
 * @module
 */

import { pushImage } from "../../registry/push.ts";
import type { Command } from "../command.ts";

/** The `push` command. */
export const command: Command = {
  name: "push",
  usage: "push [OPTIONS] NAME[:TAG]",
  summary: "Push an image to a registry",
  flags: [{ long: "quiet", short: "q", kind: "bool", help: "Suppress verbose output" }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, flags) {
    const quiet = flags.bools.has("quiet");
    const result = await pushImage(ctx.root, flags.positionals[0], {
      insecureRegistries: ctx.insecureRegistries,
      progress: (line) => quiet || console.log(line),
    });
    if (quiet) console.log(flags.positionals[0]);
    else console.log(`${result.tag}: digest: ${result.digest} size: ${result.size}`);
    return 0;
  },
};
