/**
 * `dockergsh unpause CONTAINER...`: thaw each paused container.
 *
 * @module
 */

import { unpauseContainer } from "../../container/container_pause.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";

/** The `unpause` command. */
export const command: Command = {
  name: "unpause",
  usage: "unpause CONTAINER [CONTAINER...]",
  summary: "Unpause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    // async: a reference that does not resolve rejects, and is reported on its own.
    return forEachContainer(flags.positionals, async (ref) => {
      await unpauseContainer(ctx.root, store.resolve(ref));
    });
  },
};
