/**
 * `dockergsh rm [-f] [-v] CONTAINER...`: remove containers, their layers, log
 * and record; a running one only with `-f`, which kills it first; with
 * `-v` also their anonymous volumes (named ones stay, as Docker).
 *
 * @module
 */

import { deleteContainer } from "../../container/container_delete.ts";
import { ContainerStore } from "../../container/store.ts";
import { removeAnonymousVolumes } from "../../container/volume_mounts.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { forEachContainer } from "../_each_container.ts";
import { resolveContainer } from "../_resolve_container.ts";

/** The `rm` command. */
export const command: Command = {
  name: "rm",
  usage: "rm [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Remove one or more containers",
  flags: [
    {
      long: "force",
      short: "f",
      kind: "bool",
      help: "Force the removal of a running container (uses SIGKILL)",
    },
    {
      long: "volumes",
      short: "v",
      kind: "bool",
      help: "Remove anonymous volumes associated with the container",
    },
  ],
  minArgs: 1,
  run(ctx, flags) {
    const force = flags.bools.has("force");
    const store = new ContainerStore(ctx.root);
    const volumes = flags.bools.has("volumes");
    return forEachContainer(flags.positionals, async (ref) => {
      const record = resolveContainer(store, ref);
      await deleteContainer(ctx.root, ctx.kernel, record, force);
      if (volumes) removeAnonymousVolumes(ctx.root, record);
    }, (err) =>
      // Docker 20.10: with -f a missing container is said so, and is no failure (exit 0).
      force && err instanceof UserError && /No such container/.test(err.message));
  },
};
