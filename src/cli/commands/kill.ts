/**
 * `dockergsh kill [-s SIGNAL] CONTAINER...`: send a signal (default
 * SIGKILL) to each container's PID 1, by name (`TERM`, `SIGTERM`) or number.
 *
 * @module
 */

import { SIGNALS } from "../../../ffi/constants.ts";
import { signalContainer } from "../../container/container_kill.ts";
import { markStopped } from "../../container/container_stop.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";
import { resolveContainer } from "../_resolve_container.ts";

/** The signal number `-s` names; Docker's error for an unknown one. */
export function parseSignal(spec: string): number {
  if (/^\d+$/.test(spec)) {
    const n = Number(spec);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = spec.toUpperCase().startsWith("SIG")
      ? spec.toUpperCase()
      : `SIG${spec.toUpperCase()}`;
    const n = SIGNALS[name];
    if (n !== undefined) return n;
  }
  throw new UserError(`Error response from daemon: Invalid signal: ${spec}`, 1);
}

/** The `kill` command. */
export const command: Command = {
  name: "kill",
  usage: "kill [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Kill one or more running containers",
  flags: [{
    long: "signal",
    short: "s",
    kind: "string",
    help: 'Signal to send to the container (default "KILL")',
  }],
  minArgs: 1,
  run(ctx, flags) {
    const signal = parseSignal(flags.strings.get("signal") ?? "KILL");
    const store = new ContainerStore(ctx.root);
    // A promise per container, rejected rather than thrown, so each is reported on its own.
    return forEachContainer(flags.positionals, (ref) =>
      new Promise((resolve) => {
        const record = resolveContainer(
          store,
          ref,
          (r) => `Error response from daemon: Cannot kill container: ${r}: No such container: ${r}`,
        );
        if (record.state.status === "running") markStopped(ctx.root, record);
        if (!signalContainer(ctx.root, ctx.kernel, record, signal)) {
          throw new UserError(
            `Error response from daemon: Cannot kill container: ${ref}: Container ${record.id} is not running`,
          );
        }
        resolve();
      }));
  },
};
