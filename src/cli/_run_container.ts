/**
 * The body of `dockergsh run`, once its init is spawned (see
 * commands/run.ts): the image (pulled when missing), the container's
 * record, then its start, detached through the monitor or attached here.
 * A run that fails leaves nothing behind; `--rm` removes the container,
 * and its anonymous volumes, once it has exited.
 *
 * @module
 */

import type { AttachMode } from "../container/attach_mode.ts";
import { createContainer, type CreateSpec } from "../container/container_create.ts";
import { deleteContainer } from "../container/container_delete.ts";
import { startDetached } from "../monitor/start_detached.ts";
import { ContainerStore } from "../container/store.ts";
import type { ContainerRecord } from "../container/record.ts";
import type { ContainerInit } from "../runtime/init_spawn.ts";
import type { StateRoot } from "../store/paths.ts";
import type { CommandContext } from "./command.ts";
import { ensureImage } from "./_pull_missing.ts";
import { withHostGateway } from "./_host_gateway.ts";
import { asRunError } from "./_run_error.ts";
import { runForeground } from "./_run_foreground.ts";

/**
 * Removes `record`'s anonymous volumes (volume_mounts.ts), whose code is
 * loaded only for a container that has one.
 */
async function removeAnonymousVolumes(root: StateRoot, record: ContainerRecord): Promise<void> {
  if (!record.config.binds.some((b) => b.anonymous && b.volume !== undefined)) return;
  (await import("../container/volume_mounts.ts")).removeAnonymousVolumes(root, record);
}

/**
 * Runs the container `spec` describes in `mode`; `ahead` is the init
 * already spawned for an attached run, stopped here if the run fails
 * before its start takes it over. Resolves to `run`'s exit code.
 */
export async function runContainer(
  ctx: CommandContext,
  spec: CreateSpec,
  pull: string | undefined,
  mode: AttachMode,
  ahead: ContainerInit | undefined,
): Promise<number> {
  let record;
  try {
    await ensureImage(ctx, spec.image, pull);
    record = await createContainer(ctx.root, await withHostGateway(ctx.root, spec), ctx.kernel)
      .catch((err) => {
        throw asRunError(err);
      });
  } catch (err) {
    await ahead?.stop();
    throw err;
  }
  // The run's end as runForeground left it: exited, released, not stored for --rm.
  let finished: ContainerRecord | undefined;
  try {
    if (mode === "detached") {
      await startDetached(ctx.root, ctx.kernel, record);
      console.log(record.id);
      return 0;
    }
    const exit = await runForeground(ctx.root, ctx.kernel, record.id, mode, ahead);
    finished = exit.record;
    return exit.exitCode;
  } catch (err) {
    // A container that never started is not kept: a failed run leaves nothing behind.
    const store = new ContainerStore(ctx.root);
    await deleteContainer(ctx.root, ctx.kernel, store.get(record.id), true);
    await removeAnonymousVolumes(ctx.root, record);
    throw err;
  } finally {
    if (spec.autoRemove && !spec.detach) {
      // A finished run's record is the one it ended with, not read again; a failed
      // run's removal above is tried once more only if it failed.
      const current = finished ?? new ContainerStore(ctx.root).observed(record.id);
      if (current) {
        await deleteContainer(ctx.root, ctx.kernel, current, true, {
          runtimeReleased: finished !== undefined,
        });
      }
      // Docker's --rm takes the container's anonymous volumes with it.
      await removeAnonymousVolumes(ctx.root, record);
    }
  }
}
