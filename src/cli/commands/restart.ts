/**
 * `dockergsh restart [-t SECONDS] CONTAINER...`: stop (as `stop`), then
 * start again in the background with the recorded configuration and the
 * upper layer kept. A container that was not running is just started.
 *
 * @module
 */

import { startDetached } from "../../container/container_start_detached.ts";
import { stopContainer } from "../../container/container_stop.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";
import { STOP_TIMEOUT_FLAG, stopTimeout } from "../_stop_timeout.ts";

/** The `restart` command. */
export const command: Command = {
  name: "restart",
  usage: "restart [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Restart one or more containers",
  flags: [STOP_TIMEOUT_FLAG],
  minArgs: 1,
  run(ctx, flags) {
    const timeout = stopTimeout(flags);
    const store = new ContainerStore(ctx.root);
    return forEachContainer(flags.positionals, async (ref) => {
      const record = store.resolve(ref);
      const stopped = await stopContainer(ctx.root, ctx.kernel, record, timeout);
      if (stopped === undefined) {
        throw new UserError(
          `Error response from daemon: Cannot restart container ${ref}: ` +
            "it was started with --rm and was removed when it stopped",
        );
      }
      await startDetached(ctx.root, stopped);
    });
  },
};
