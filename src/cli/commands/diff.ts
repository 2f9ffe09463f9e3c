/**
 * `dockergsh diff CONTAINER`: the files the container added (A), changed
 * (C) and deleted (D), one per line.
 *
 * @module
 */

import { containerChanges } from "../../container/container_diff.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";

/** The `diff` command. */
export const command: Command = {
  name: "diff",
  usage: "diff CONTAINER",
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, flags) {
    const record = new ContainerStore(ctx.root).resolve(flags.positionals[0]);
    for (const c of containerChanges(ctx.root, ctx.kernel, record)) {
      console.log(`${c.kind} ${c.path}`);
    }
    return Promise.resolve(0);
  },
};
