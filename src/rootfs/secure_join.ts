/**
 * Resolves a path inside a container root the way the container would see
 * it: symlinks are followed relative to the root (an absolute link target
 * starts again at the root, `..` stops at the root). The host path it
 * returns never leaves the root, so a hostile image's `/etc -> /host/etc`
 * symlink cannot make a mount land on the host.
 *
 * @module
 */

const MAX_LINKS = 255;

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/** The host path of `path` inside `root`, with every symlink resolved within `root`. */
export function secureJoin(root: string, path: string): string {
  const resolved: string[] = [];
  const pending = components(path).reverse();
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const candidate = `${root}/${[...resolved, part].join("/")}`;
    let target: string | undefined;
    try {
      if (Deno.lstatSync(candidate).isSymlink) target = Deno.readLinkSync(candidate);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`too many symlinks resolving ${path} in ${root}`);
    if (target.startsWith("/")) resolved.length = 0;
    pending.push(...components(target).reverse());
  }
  return resolved.length ? `${root}/${resolved.join("/")}` : root;
}
