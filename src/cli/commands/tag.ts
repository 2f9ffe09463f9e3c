/**
 * `dockergsh tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`: another name for
 * an image (moved from any image that had it).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { tryParseReference } from "../../image/reference.ts";
import { ImageStore } from "../../image/store.ts";
import { needsSpace } from "../../store/disk_full.ts";
import type { Command } from "../command.ts";

/** The `tag` command. */
export const command: Command = {
  name: "tag",
  usage: "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  run(ctx, flags) {
    const [source, target] = flags.positionals;
    // Docker's CLI checks the target first, in these words, and exits 1.
    if (!tryParseReference(target)) {
      const why = target !== target.toLowerCase() ? ": repository name must be lowercase" : "";
      throw new UserError(
        `Error parsing reference: "${target}" is not a valid repository/tag: invalid reference format${why}`,
        1,
      );
    }
    const images = new ImageStore(ctx.root);
    needsSpace(ctx.root, () => images.tag(images.resolve(source).id, target));
    return Promise.resolve(0);
  },
};
