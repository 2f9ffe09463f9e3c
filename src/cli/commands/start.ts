/**
 * `dockergsh start [-a] [-i] CONTAINER...`: start created or stopped
 * containers in the background, with their recorded configuration and
 * their upper layer as it was (changes made before the stop are kept, as
 * in Docker). Starting a running container does nothing and succeeds, as
 * Docker's. With `-a` (or `-i`) one container is started attached, as
 * `run` without `-d` would (stdin too when it was created with `-i`), and
 * the command exits with its exit code; a running one is attached to.
 *
 * @module
 */

import { attachContainer } from "../../container/container_attach.ts";
import { deleteContainer } from "../../container/container_delete.ts";
import { startDetached } from "../../monitor/start_detached.ts";
import type { ContainerRecord } from "../../container/record.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command, CommandContext } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";
import { writeContainerOutput } from "../_write_stdout.ts";
import { runForeground } from "../_run_foreground.ts";

async function startAttached(ctx: CommandContext, ref: string): Promise<number> {
  const store = new ContainerStore(ctx.root);
  const record = store.resolve(ref);
  if (record.state.status === "running") {
    return attachContainer(ctx.root, ctx.kernel, record, writeContainerOutput, true);
  }
  const mode = record.config.tty ? "tty" : "foreground";
  let finished: ContainerRecord | undefined;
  try {
    const exit = await runForeground(ctx.root, ctx.kernel, record.id, mode);
    finished = exit.record;
    return exit.exitCode;
  } catch (err) {
    // Docker's CLI: a start that fails exits 1 (126 and 127 are `run`'s), with the daemon's words.
    throw err instanceof UserError ? new UserError(err.message, 1) : err;
  } finally {
    await removeIfAutoRemove(ctx, store, record, finished);
  }
}

/**
 * Removes a `--rm` container once its attached run ended (`finished`, as
 * the run left it, its runtime released) or its start failed, as Docker's daemon.
 */
async function removeIfAutoRemove(
  ctx: CommandContext,
  store: ContainerStore,
  record: ContainerRecord,
  finished?: ContainerRecord,
): Promise<void> {
  if (!record.config.autoRemove) return;
  const current = finished ?? store.observed(record.id);
  if (current) {
    await deleteContainer(ctx.root, ctx.kernel, current, true, {
      runtimeReleased: finished !== undefined,
    });
  }
}

/** The `start` command. */
export const command: Command = {
  name: "start",
  usage: "start [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Start one or more stopped containers",
  flags: [
    { long: "attach", short: "a", kind: "bool", help: "Attach STDOUT/STDERR and forward signals" },
    { long: "interactive", short: "i", kind: "bool", help: "Attach container's STDIN" },
  ],
  minArgs: 1,
  run(ctx, flags) {
    if (flags.bools.has("attach") || flags.bools.has("interactive")) {
      if (flags.positionals.length > 1) {
        throw new UserError("you cannot start and attach multiple containers at once", 1);
      }
      return startAttached(ctx, flags.positionals[0]);
    }
    const store = new ContainerStore(ctx.root);
    return forEachContainer(flags.positionals, async (ref) => {
      const record = store.resolve(ref);
      if (record.state.status === "running") return;
      try {
        await startDetached(ctx.root, ctx.kernel, record);
      } catch (err) {
        await removeIfAutoRemove(ctx, store, record);
        throw err;
      }
    });
  },
};
