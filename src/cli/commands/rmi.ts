/**
 * `dockergsh rmi [-f] IMAGE...`: untag and delete images (see
 * src/image/image_remove.ts for what `-f` may and may not do).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { removeImage } from "../../image/image_remove.ts";
import type { Command } from "../command.ts";

/** The `rmi` command. */
export const command: Command = {
  name: "rmi",
  usage: "rmi [OPTIONS] IMAGE [IMAGE...]",
  summary: "Remove one or more images",
  flags: [{ long: "force", short: "f", kind: "bool", help: "Force removal of the image" }],
  minArgs: 1,
  run(ctx, flags) {
    let failed = false;
    for (const ref of flags.positionals) {
      try {
        for (const line of removeImage(ctx.root, ref, flags.bools.has("force"))) console.log(line);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        console.error(err.message);
        failed = true;
      }
    }
    return Promise.resolve(failed ? 1 : 0);
  },
};
