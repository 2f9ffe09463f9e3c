/**
 * `dockergsh stop [-t SECONDS] CONTAINER...`: SIGTERM, then SIGKILL after
 * the grace period; prints each container as named once it is gone.
 *
 * @module
 */

import { stopContainer } from "../../container/container_stop.ts";
import { eventSubject } from "../../container/events.ts";
import { ContainerStore } from "../../container/store.ts";
import { recordEvent } from "../../events/events.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";
import { stopTimeout, stopTimeoutFlag } from "../_stop_timeout.ts";

/** The `stop` command. */
export const command: Command = {
  name: "stop",
  usage: "stop [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Stop one or more running containers",
  flags: [stopTimeoutFlag("Seconds to wait for stop before killing it")],
  minArgs: 1,
  run(ctx, flags) {
    const timeout = stopTimeout(flags);
    const store = new ContainerStore(ctx.root);
    return forEachContainer(flags.positionals, async (ref) => {
      const record = store.resolve(ref);
      const wasRunning = record.state.status === "running";
      const stopped = await stopContainer(ctx.root, ctx.kernel, record, timeout);
      if (wasRunning && stopped) recordEvent(ctx.root, "stop", eventSubject(stopped));
    });
  },
};
