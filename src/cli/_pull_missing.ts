/**
 * `run`/`create --pull always|missing|never`: the image is pulled first when
 * asked to, or when it is missing (Docker's default), printing what Docker
 * prints on stderr. The pull code is imported only when a pull happens.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { ImageStore } from "../image/store.ts";
import type { CommandContext } from "./command.ts";

/** Pulls `image` if `policy` (default "missing") says so. */
export async function ensureImage(
  ctx: CommandContext,
  image: string,
  policy = "missing",
): Promise<void> {
  if (!["always", "missing", "never"].includes(policy)) {
    throw new UserError(
      `dockergsh: invalid pull option: '${policy}': must be one of "always", "missing" or "never"`,
    );
  }
  if (policy === "never") return;
  if (policy === "missing" && new ImageStore(ctx.root).find(image)) return;
  const { familiarReference, parseRemoteReference } = await import("../image/reference.ts");
  const { pullImage } = await import("../registry/pull.ts");
  const { progressSink } = await import("./_progress.ts");
  if (policy === "missing") {
    console.error(
      `Unable to find image '${familiarReference(parseRemoteReference(image))}' locally`,
    );
  }
  const result = await pullImage(ctx.root, ctx.kernel, image, {
    insecureRegistries: ctx.insecureRegistries,
    progress: progressSink("stderr"),
  });
  console.error(`Digest: ${result.digest}`);
  console.error(result.status);
}
