/**
 * `dockergsh load [-i FILE] [-q]`: images from a `docker save` archive or
 * an OCI image layout archive (see src/image/image_load.ts), read from
 * FILE or stdin.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { loadImages } from "../../image/image_load.ts";
import { needsSpace } from "../../store/disk_full.ts";
import type { Command } from "../command.ts";

function open(path: string): ReadableStream<Uint8Array> {
  try {
    return Deno.openSync(path, { read: true }).readable;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(`open ${path}: no such file or directory`, 1); // Docker's words, exit 1
    }
    throw err;
  }
}

/** `stream`, or Docker's error `why` when it holds no byte at all. */
async function nonEmpty(
  stream: ReadableStream<Uint8Array>,
  why: string,
): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  let first = await reader.read();
  while (!first.done && first.value.length === 0) first = await reader.read();
  if (first.done) throw new UserError(why);
  const head = first.value;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The `load` command. */
export const command: Command = {
  name: "load",
  usage: "load [OPTIONS]",
  summary: "Load an image from a tar archive or STDIN",
  flags: [
    {
      long: "input",
      short: "i",
      kind: "string",
      help: "Read from tar archive file, instead of STDIN",
    },
    // Docker's -q hides the progress bars only, which this load does not draw: accepted, no effect.
    { long: "quiet", short: "q", kind: "bool", help: "Suppress the load output" },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const input = flags.strings.get("input");
    if (input === undefined && Deno.stdin.isTerminal()) {
      throw new UserError(
        "dockergsh: requested load from stdin, but stdin is empty (use -i FILE or redirect)",
      );
    }
    const source = await nonEmpty(
      input === undefined ? Deno.stdin.readable : open(input),
      input === undefined
        ? "dockergsh: requested load from stdin, but stdin is empty"
        : `dockergsh: load: ${input} is empty`,
    );
    const lines = await needsSpace(
      ctx.root,
      () => loadImages(ctx.root, ctx.kernel, source),
      `loading ${input ?? "from stdin"}`,
    );
    for (const line of lines) console.log(line);
    return 0;
  },
};
