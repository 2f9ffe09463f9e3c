/**
 * `dockergsh wait CONTAINER...`: block until each container stops, then
 * print its exit code, one per line in the order given (Docker's shape:
 * an unknown container is an error line, the others still answer, exit 1).
 *
 * @module
 */

import { waitContainer } from "../../container/container_wait.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";

/** The `wait` command. */
export const command: Command = {
  name: "wait",
  usage: "wait CONTAINER [CONTAINER...]",
  summary: "Block until one or more containers stop, then print their exit codes",
  flags: [],
  minArgs: 1,
  async run(ctx, flags) {
    const store = new ContainerStore(ctx.root);
    let failed = false;
    for (const ref of flags.positionals) {
      try {
        console.log(await waitContainer(ctx.root, store.resolve(ref)));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        console.error(err.message);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
