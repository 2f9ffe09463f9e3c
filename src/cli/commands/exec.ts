/**
 * `dockergsh exec [OPTIONS] CONTAINER COMMAND [ARG...]`.
 *
 * As `run` does its init, `exec` spawns its exec init first, from what the
 * flags say alone (its stdio), and only then loads the rest of an exec
 * (the container's record, its filter, its cgroup): the init's Deno
 * start-up, the longest step, overlaps all of that. A failure on the way
 * stops it.
 *
 * @module
 */

import { execSpawnStdio } from "../../container/attach_mode.ts";
import { UserError } from "../../errors.ts";
import { spawnExecInit, stopperOf } from "../../process/spawn_init.ts";
import type { Command } from "../command.ts";

/** The `exec` command. */
export const command: Command = {
  name: "exec",
  usage: "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
  summary: "Run a command in a running container",
  flags: [
    { long: "interactive", short: "i", kind: "bool", help: "Keep STDIN open even if not attached" },
    { long: "tty", short: "t", kind: "bool", help: "Allocate a pseudo-TTY" },
    {
      long: "detach",
      short: "d",
      kind: "bool",
      help: "Detached mode: run command in the background",
    },
    { long: "env", short: "e", kind: "list", help: "Set environment variables" },
    { long: "env-file", kind: "list", help: "Read in a file of environment variables" },
    { long: "workdir", short: "w", kind: "string", help: "Working directory inside the container" },
    {
      long: "user",
      short: "u",
      kind: "string",
      help: "Username or UID (format: <name|uid>[:<group|gid>])",
    },
    { long: "privileged", kind: "bool", help: "Give extended privileges to the command" },
  ],
  stopAtPositional: true,
  minArgs: 2,
  async run(ctx, flags) {
    const [ref, ...cmd] = flags.positionals;
    const envFiles = flags.lists.get("env-file") ?? [];
    const envFlags = flags.lists.get("env") ?? [];
    // The environment's parsers are loaded only for an exec that sets one.
    const envParsers = envFiles.length + envFlags.length > 0
      ? await import("../run_flags.ts")
      : undefined;
    // Docker's CLI reads the files first; a missing one is its plain error, exit 1.
    const fromFiles = envFiles.flatMap((path) => {
      if (!envParsers) return [];
      try {
        return envParsers.readEnvFile(path);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        throw new UserError(err.message.replace(/^dockergsh: /, "").replace(/\.$/, ""), 1);
      }
    });
    const workingDir = flags.strings.get("workdir");
    if (workingDir !== undefined && !workingDir.startsWith("/")) {
      throw new UserError(
        `dockergsh: the working directory '${workingDir}' is invalid, it needs to be an absolute path`,
      );
    }
    const attach = {
      detach: flags.bools.has("detach"),
      tty: flags.bools.has("tty"),
      interactive: flags.bools.has("interactive"),
    };
    const ahead = spawnExecInit(ctx.kernel, execSpawnStdio(attach));
    const stop = stopperOf(ctx.kernel, ahead);
    try {
      const [{ execInContainer }, { ContainerStore }, { resolveContainer }] = await Promise.all([
        import("../../container/container_exec.ts"),
        import("../../container/store.ts"),
        import("../_resolve_container.ts"),
      ]);
      const record = resolveContainer(new ContainerStore(ctx.root), ref);
      // Docker's CLI: an attached -it needs a terminal on stdin (exit 1), once the container is found.
      if (!attach.detach && attach.tty && attach.interactive && !Deno.stdin.isTerminal()) {
        throw new UserError("the input device is not a TTY", 1);
      }
      return await execInContainer(ctx.root, ctx.kernel, record, {
        cmd,
        env: [
          ...fromFiles,
          ...(envParsers ? envFlags.map(envParsers.parseEnv) : []).filter((e): e is string =>
            e !== undefined
          ),
        ],
        workingDir,
        ...attach,
        user: flags.strings.get("user"),
        privileged: flags.bools.has("privileged"),
      }, ahead);
    } catch (err) {
      await stop();
      throw err;
    }
  },
};
