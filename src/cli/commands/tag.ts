/**
 * `dockergsh tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`: another name for
 * an image (moved from any image that had it).
 *
 * @module
 */

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
    const images = new ImageStore(ctx.root);
    needsSpace(ctx.root, () => images.tag(images.resolve(source).id, target));
    return Promise.resolve(0);
  },
};
