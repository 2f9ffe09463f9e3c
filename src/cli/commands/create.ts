/**
 * `dockergsh create [OPTIONS] IMAGE [COMMAND] [ARG...]`: a container in
 * state "created", started later by `start`.
 *
 * @module
 */

import { createContainer } from "../../container/container_create.ts";
import type { Command } from "../command.ts";
import { ensureImage } from "../_pull_missing.ts";
import { withHostGateway } from "../_host_gateway.ts";
import { asCreateError } from "../_run_error.ts";
import { CONTAINER_FLAGS, specFromFlags } from "../container_flags.ts";

/** The `create` command. */
export const command: Command = {
  name: "create",
  usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
  summary: "Create a new container",
  // Docker's words: "Pull image before creating".
  flags: CONTAINER_FLAGS.map((f) =>
    f.long === "pull" ? { ...f, help: f.help.replace("before running", "before creating") } : f
  ),
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, flags) {
    const spec = specFromFlags(flags);
    await ensureImage(ctx, spec.image, flags.strings.get("pull"));
    const record = await createContainer(
      ctx.root,
      await withHostGateway(ctx.root, spec),
      ctx.kernel,
    )
      .catch((err) => {
        throw asCreateError(err);
      });
    console.log(record.id);
    return 0;
  },
};
