/**
 * `dockergsh start CONTAINER...`: start created or stopped containers in
 * the background, with their recorded configuration and their upper layer
 * as it was (changes made before the stop are kept, as in Docker). Starting
 * a running container does nothing and succeeds, as Docker's.
 *
 * @module
 */

import { startDetached } from "../../container/container_start_detached.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";

/** The `start` command. */
export const command: Command = {
  name: "start",
  usage: "start CONTAINER [CONTAINER...]",
  summary: "Start one or more stopped containers",
  flags: [],
  minArgs: 1,
  run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    return forEachContainer(flags.positionals, async (ref) => {
      const record = store.resolve(ref);
      if (record.state.status !== "running") await startDetached(ctx.root, ctx.kernel, record);
    });
  },
};
