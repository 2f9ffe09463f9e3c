/**
 * Where a container's cgroup lives inside a hierarchy: `<parent>/<id>`,
 * the parent being `--cgroup-parent` (from the hierarchy's root) or
 * dockergsh's own `/dockergsh`. Both are checked before they become paths.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** The parent of containers started without `--cgroup-parent`. */
export const DEFAULT_CGROUP_PARENT = "/dockergsh";

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.@:-]*$/;

/**
 * A `--cgroup-parent` value as an absolute path from the hierarchy's root
 * ("a/b/" → "/a/b"); no empty, "." or ".." parts.
 */
export function checkCgroupParent(parent: string): string {
  const parts = parent.split("/").filter((p) => p !== "");
  if (parent === "" || parts.some((p) => !SEGMENT.test(p))) {
    throw new UserError(
      `dockergsh: invalid --cgroup-parent "${parent}": use a path of names made of [A-Za-z0-9_.@:-]`,
    );
  }
  return "/" + parts.join("/");
}

/**
 * The parts of `<parent>/<id>` below the hierarchy's root, parent first.
 * Throws on an ID or parent that is not a plain name.
 */
export function cgroupPathParts(id: string, parent: string | undefined): string[] {
  if (!SEGMENT.test(id)) throw new Error(`invalid cgroup name ${JSON.stringify(id)}`);
  const base = checkCgroupParent(parent ?? DEFAULT_CGROUP_PARENT);
  return [...base.split("/").filter((p) => p !== ""), id];
}
