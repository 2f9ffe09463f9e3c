/**
 * `dockergsh rmi [-f] IMAGE...`: untag and delete images (see
 * src/image/image_remove.ts for what `-f` may and may not do).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { ContainerStore } from "../../container/store.ts";
import { type ImageUsers, removeImage } from "../../image/image_remove.ts";
import type { Command } from "../command.ts";

/** The `rmi` command. */
export const command: Command = {
  name: "rmi",
  usage: "rmi [OPTIONS] IMAGE [IMAGE...]",
  summary: "Remove one or more images",
  flags: [{ long: "force", short: "f", kind: "bool", help: "Force removal of the image" }],
  minArgs: 1,
  async run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    const users: ImageUsers = (imageId) =>
      store.list().filter((c) => c.config.imageId === imageId)
        .map((c) => ({ id: c.id, running: c.state.status === "running" }));
    let failed = false;
    for (const ref of flags.positionals) {
      try {
        const lines = await removeImage(ctx.root, ref, flags.bools.has("force"), users);
        for (const line of lines) console.log(line);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        console.error(err.message);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
