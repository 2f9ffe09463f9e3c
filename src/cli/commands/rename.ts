/**
 * `dockergsh rename CONTAINER NEW_NAME`.
 *
 * @module
 */

import { renameContainer } from "../../container/container_rename.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";

/** The `rename` command. */
export const command: Command = {
  name: "rename",
  usage: "rename CONTAINER NEW_NAME",
  summary: "Rename a container",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  run(ctx, flags) {
    const [ref, newName] = flags.positionals;
    renameContainer(ctx.root, new ContainerStore(ctx.root).resolve(ref), newName);
    return Promise.resolve(0);
  },
};
