/**
 * `dockergsh rm [-f] CONTAINER...`: remove containers, their layers, log
 * and record; a running one only with `-f`, which kills it first.
 *
 * @module
 */

import { deleteContainer } from "../../container/container_delete.ts";
import { ContainerStore } from "../../container/store.ts";
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
  ],
  minArgs: 1,
  run(ctx, flags) {
    const force = flags.bools.has("force");
    const store = new ContainerStore(ctx.root);
    return forEachContainer(flags.positionals, async (ref) => {
      await deleteContainer(ctx.root, ctx.kernel, resolveContainer(store, ref), force);
    });
  },
};
