/**
 * `dockergsh start CONTAINER...`: start created or stopped containers in
 * the background, with their recorded configuration and their upper layer
 * as it was (changes made before the stop are kept, as in Docker).
 *
 * @module
 */

import { startDetached } from "../../container/container_start_detached.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";

/** The `start` command. */
export const command: Command = {
  name: "start",
  usage: "start CONTAINER [CONTAINER...]",
  summary: "Start one or more stopped containers",
  flags: [],
  minArgs: 1,
  async run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    let failed = false;
    for (const ref of flags.positionals) {
      try {
        const record = store.resolve(ref);
        if (record.state.status !== "running") await startDetached(ctx.root, record);
        console.log(ref);
      } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
