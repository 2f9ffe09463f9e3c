/**
 * `rmi`: untag an image, and delete it once no tag and no container
 * needs it. An image is the lower layer of every container made from it,
 * so deleting one under a container would break that container: without
 * `-f` that is refused; with `-f` the tags go and the files stay, untagged,
 * as a `<none>` image that `rmi ID` deletes once no container uses it
 * (Docker keeps the layers of a force-removed image alive the same way).
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { shortId } from "../store/ids.ts";
import type { StateRoot } from "../store/paths.ts";
import { chainIds } from "./chain_id.ts";
import { formatReference, tryParseReference } from "./reference.ts";
import { ImageStore } from "./store.ts";

/** What `rmi` prints, one line each: "Untagged: busybox:latest", "Deleted: sha256:…". */
export type RemovalReport = string[];

/** A container made from an image, as `rmi` weighs it. */
export interface ImageUser {
  id: string;
  running: boolean;
}

/** The containers made from image `imageId` (the engine's store knows them; images do not). */
export type ImageUsers = (imageId: string) => ImageUser[];

/**
 * Removes the image `ref` names (a tag or an ID); `force` as `rmi -f`.
 * Reports as Docker: its tags and repo digests untagged, the image and the
 * layers that went with it (their chain IDs) deleted.
 */
export async function removeImage(
  root: StateRoot,
  ref: string,
  force: boolean,
  users: ImageUsers,
): Promise<RemovalReport> {
  const images = new ImageStore(root);
  const image = images.find(ref);
  if (!image) throw new UserError(`Error: No such image: ${ref}`, 1);
  const parsed = tryParseReference(ref);
  const byTag = parsed !== undefined && image.repoTags.includes(formatReference(parsed));
  const report: RemovalReport = [];

  if (byTag && image.repoTags.length > 1) {
    images.untag(ref);
    return [`Untagged: ${formatReference(parsed)}`];
  }
  const using = users(image.id);
  const running = using.find((c) => c.running);
  if (!byTag && image.repoTags.length > 1 && !force) {
    throw new UserError(
      `Error response from daemon: conflict: unable to delete ${
        shortId(image.id)
      } (must be forced) - image is referenced in multiple repositories`,
    );
  }
  if (running && !byTag) {
    throw new UserError(
      `Error response from daemon: conflict: unable to delete ${
        shortId(image.id)
      } (cannot be forced) - image is being used by running container ${shortId(running.id)}`,
    );
  }
  if (using.length && !force) {
    const what = byTag ? `remove repository reference "${ref}"` : `delete ${shortId(image.id)}`;
    throw new UserError(
      `Error response from daemon: conflict: unable to ${what} (must force) - container ${
        shortId(using[0].id)
      } is using its referenced image ${shortId(image.id)}`,
    );
  }
  if (using.length === 0) {
    // Docker's lines for the layers that go with it: their chain IDs, top first.
    const others = new Set(
      images.list().filter((i) => i.id !== image.id).flatMap((i) => i.layers ?? []),
    );
    const diffIds = image.layers ?? [];
    const chains = await chainIds(diffIds);
    const going = chains.filter((_, i) => !others.has(diffIds[i])).reverse();
    // The files go first, then the tags: a removal needs no space (a full disk).
    images.delete(image.id);
    report.push(...image.repoTags.map((tag) => `Untagged: ${tag}`));
    report.push(...(image.repoDigests ?? []).map((ref) => `Untagged: ${ref}`));
    report.push(`Deleted: sha256:${image.id}`, ...going.map((chain) => `Deleted: ${chain}`));
    return report;
  }
  for (const tag of image.repoTags) {
    images.untag(tag);
    report.push(`Untagged: ${tag}`);
  }
  return report;
}
