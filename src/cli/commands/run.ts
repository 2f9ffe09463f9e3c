/**
 * `dockergsh run [OPTIONS] IMAGE [COMMAND] [ARG...]`: create a container
 * and start it, in the foreground (stdio through relayed pipes, or a pty with -t) or
 * detached (-d: print the ID, output to the log).
 *
 * A foreground run without -t spawns the container's init first, from what
 * the flags say alone (its namespaces and stdio), and only then loads the rest of
 * `run` (../_run_container.ts): the init's Deno start-up, the longest step,
 * overlaps loading that code, the image lookup and the container's record.
 *
 * @module
 */

import { initSpawnStdio } from "../../container/attach_mode.ts";
import { containerNamespaces } from "../../container/container_spec.ts";
import { UserError } from "../../errors.ts";
import { spawnContainerInit } from "../../runtime/init_spawn.ts";
import type { Command } from "../command.ts";
import { CONTAINER_FLAGS, specFromFlags } from "../container_flags.ts";

/** The `run` command. */
export const command: Command = {
  name: "run",
  usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
  summary: "Run a command in a new container",
  flags: [
    ...CONTAINER_FLAGS,
    {
      long: "detach",
      short: "d",
      kind: "bool",
      help: "Run container in background and print container ID",
    },
  ],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, flags) {
    const spec = specFromFlags(flags);
    // Docker's CLI: an attached -it needs a terminal on stdin (exit 1).
    if (!spec.detach && spec.tty && spec.openStdin && !Deno.stdin.isTerminal()) {
      throw new UserError("the input device is not a TTY", 1);
    }
    const mode = spec.detach ? "detached" : spec.tty ? "tty" : "foreground";
    // Not with -t: the terminal's devpts is mounted later, where an init
    // spawned now (its mount namespace already copied) would not see it.
    const ahead = mode !== "foreground" ? undefined : spawnContainerInit(
      ctx.kernel,
      { linux: { namespaces: containerNamespaces(spec) } },
      initSpawnStdio(mode, spec.openStdin),
    );
    let runContainer;
    try {
      ({ runContainer } = await import("../_run_container.ts"));
    } catch (err) {
      await ahead?.stop();
      throw err;
    }
    return runContainer(ctx, spec, flags.strings.get("pull"), mode, ahead);
  },
};
