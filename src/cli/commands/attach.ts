/**
 * `dockergsh attach [--sig-proxy=false] CONTAINER`: follow a running
 * container's output until it exits (its stdout to stdout, its stderr to
 * stderr), then exit with its exit code.
 *
 * @module
 */

import { attachContainer } from "../../container/container_attach.ts";
import { ContainerStore } from "../../container/store.ts";
import type { Command } from "../command.ts";
import { resolveContainer } from "../_resolve_container.ts";
import { writeContainerOutput } from "../_write_stdout.ts";

/** The `attach` command. */
export const command: Command = {
  name: "attach",
  usage: "attach [OPTIONS] CONTAINER",
  // Its stdin is not attachable here (README): --no-stdin is always the case.
  summary: "Attach local standard input, output, and error streams to a running container",
  flags: [
    { long: "no-stdin", kind: "bool", help: "Do not attach STDIN" },
    {
      long: "sig-proxy",
      kind: "bool",
      defaultValue: "true",
      help: "Proxy all received signals to the process",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, flags) {
    const record = resolveContainer(new ContainerStore(ctx.root), flags.positionals[0]);
    const proxy = flags.bools.has("sig-proxy");
    return attachContainer(ctx.root, ctx.kernel, record, writeContainerOutput, proxy);
  },
};
