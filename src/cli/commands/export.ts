/**
 * `dockergsh export [-o FILE] CONTAINER`: the container's filesystem as a
 * tar archive, to stdout or a file.
 *
 * @module
 */

import { exportContainer } from "../../container/container_export.ts";
import { eventSubject } from "../../container/events.ts";
import { ContainerStore } from "../../container/store.ts";
import { recordEvent } from "../../events/events.ts";
import type { Command } from "../command.ts";
import { writeOutput } from "../_output_file.ts";

/** The `export` command. */
export const command: Command = {
  name: "export",
  usage: "export [OPTIONS] CONTAINER",
  summary: "Export a container's filesystem as a tar archive",
  flags: [{
    long: "output",
    short: "o",
    kind: "string",
    help: "Write to a file, instead of STDOUT",
  }],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, flags) {
    const record = new ContainerStore(ctx.root).resolve(flags.positionals[0]);
    writeOutput(
      flags.strings.get("output"),
      (sink) => exportContainer(ctx.root, ctx.kernel, record, sink),
    );
    recordEvent(ctx.root, "export", eventSubject(record));
    return Promise.resolve(0);
  },
};
