/**
 * `dockergsh import [-c INSTRUCTION] [-m MSG] FILE|- [REPOSITORY[:TAG]]`:
 * a rootfs tarball (plain or gzip) becomes an image; prints its ID.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { importTarball } from "../../image/image_import.ts";
import { ImageStore } from "../../image/store.ts";
import { needsSpace } from "../../store/disk_full.ts";
import type { Command } from "../command.ts";
import { applyChanges, IMAGE_CHANGE_FLAGS } from "../_commit_changes.ts";

function open(path: string): ReadableStream<Uint8Array> {
  if (path === "-") return Deno.stdin.readable;
  try {
    return Deno.openSync(path, { read: true }).readable;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(`dockergsh: open ${path}: no such file or directory`);
    }
    throw err;
  }
}

/** The `import` command. */
export const command: Command = {
  name: "import",
  usage: "import [OPTIONS] file|- [REPOSITORY[:TAG]]",
  summary: "Import the contents from a tarball to create a filesystem image",
  flags: IMAGE_CHANGE_FLAGS,
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, flags) {
    const [file, ref] = flags.positionals;
    const config = applyChanges({}, flags.lists.get("change") ?? []);
    // Extraction writes only under the root, through writes whose errors name no path.
    const image = await needsSpace(
      ctx.root,
      () =>
        importTarball(new ImageStore(ctx.root), open(file), ref, {
          comment: flags.strings.get("message"),
          config: Object.keys(config).length ? config : undefined,
        }),
      `importing ${file}`,
    );
    console.log(`sha256:${image.id}`);
    return 0;
  },
};
