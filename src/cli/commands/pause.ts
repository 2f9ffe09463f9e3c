/**
 * `dockergsh pause CONTAINER...`: freeze every process of each container
 * (its cgroup's freezer); prints each one as named once frozen.
 *
 * @module
 */

import { pauseContainer } from "../../container/container_pause.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";

/** The `pause` command. */
export const command: Command = {
  name: "pause",
  usage: "pause CONTAINER [CONTAINER...]",
  summary: "Pause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    return forEachContainer(
      flags.positionals,
      async (ref) => await pauseContainer(ctx.root, store.resolve(ref)),
    );
  },
};
