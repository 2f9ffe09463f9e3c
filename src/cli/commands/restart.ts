/**
 * `dockergsh restart [-t SECONDS] CONTAINER...`: stop (as `stop`), then
 * start again in the background with the recorded configuration and the
 * upper layer kept. A container that was not running is just started. The
 * monitor does both steps, so an `--rm` container it watches is kept, as
 * Docker's restart keeps it.
 *
 * @module
 */

import { eventSubject } from "../../container/events.ts";
import { ContainerStore } from "../../container/store.ts";
import { recordEvent } from "../../events/events.ts";
import { requestRestart } from "../../monitor/client.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";
import { stopTimeout, stopTimeoutFlag } from "../_stop_timeout.ts";

/** The `restart` command. */
export const command: Command = {
  name: "restart",
  usage: "restart [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Restart one or more containers",
  flags: [stopTimeoutFlag("Seconds to wait for stop before killing the container")],
  minArgs: 1,
  run(ctx, flags) {
    const timeout = stopTimeout(flags);
    const store = new ContainerStore(ctx.root);
    return forEachContainer(flags.positionals, async (ref) => {
      const running = await requestRestart(ctx.root, store.resolve(ref).id, timeout);
      recordEvent(ctx.root, "restart", eventSubject(running));
    });
  },
};
