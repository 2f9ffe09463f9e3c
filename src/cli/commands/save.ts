/**
 * `dockergsh save [-o FILE] IMAGE...`: images as a `docker save` archive
 * (see src/image/image_save.ts), to FILE (written beside it and renamed
 * into place whole, so a failed save leaves no file) or to stdout.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { saveImages } from "../../image/image_save.ts";
import type { Command } from "../command.ts";

/** Writes `stream` to `path` through a temporary file beside it, renamed in at the end. */
async function writeWhole(stream: ReadableStream<Uint8Array>, path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash === -1 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  let tmp: string;
  try {
    tmp = Deno.makeTempFileSync({ dir, prefix: ".dockergsh-save-" });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      // Docker 20.10's words and exit code (measured).
      throw new UserError(
        `failed to save image: invalid output path: directory "${dir}" does not exist`,
        1,
      );
    }
    throw err;
  }
  try {
    const file = Deno.openSync(tmp, { write: true, truncate: true });
    await stream.pipeTo(file.writable);
    Deno.chmodSync(tmp, 0o644);
    Deno.renameSync(tmp, path);
  } catch (err) {
    Deno.removeSync(tmp);
    throw err;
  }
}

/** The `save` command. */
export const command: Command = {
  name: "save",
  usage: "save [OPTIONS] IMAGE [IMAGE...]",
  summary: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  flags: [{
    long: "output",
    short: "o",
    kind: "string",
    help: "Write to a file, instead of STDOUT",
  }],
  minArgs: 1,
  async run(ctx, flags) {
    const output = flags.strings.get("output");
    if (output === undefined && Deno.stdout.isTerminal()) {
      throw new UserError(
        "dockergsh: cowardly refusing to save to a terminal. Use the -o flag or redirect",
      );
    }
    const stream = saveImages(ctx.root, flags.positionals);
    try {
      if (output === undefined) await stream.pipeTo(Deno.stdout.writable, { preventClose: true });
      else await writeWhole(stream, output);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`dockergsh: save failed: ${(err as Error).message}`);
    }
    return 0;
  },
};
