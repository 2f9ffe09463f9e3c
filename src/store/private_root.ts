/**
 * The state root is trusted by everything under it (container records,
 * seccomp programs, layers): a root another user could write is a root
 * another user could rename things in or out of. So every command first
 * requires the state root to be a directory owned by root that neither
 * group nor others may write (Docker's `/var/lib/docker` is 0710
 * root:root), and makes a missing one 0700.
 *
 * A symlinked root (e.g. onto a bigger disk) is followed, as the
 * self-extracting launcher (build/self_extract_header.sh) does with
 * `"$root/"`: a symlink has no permissions of its own, and whoever may
 * replace it is whoever may write the directory it sits in, as for every
 * other ancestor of the root, which neither this check nor Docker's looks
 * at (in a sticky world-writable directory the kernel's
 * fs.protected_symlinks already keeps root from following another user's
 * link). What decides who can write inside the root is the directory it
 * resolves to, and that is what is checked.
 *
 * One stat(2) per command (two, and a mkdir, the first time): `ps -a` is
 * on the benchmarked path.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import type { StateRoot } from "./paths.ts";

/** Mode bits that let group or others change what is in a directory. */
const GROUP_OTHER_WRITE = 0o022;

/**
 * Why `info` is no private state directory (one of root's that neither
 * group nor others may write), or undefined when it is one.
 */
export function privateDirProblem(info: Deno.FileInfo): string | undefined {
  if (!info.isDirectory) return "it is not a directory";
  if (info.uid !== 0) return `it is owned by uid ${info.uid}, not root`;
  const mode = info.mode! & 0o7777;
  if (mode & GROUP_OTHER_WRITE) {
    return `its mode ${mode.toString(8).padStart(4, "0")} lets group or others write it`;
  }
}

/**
 * Makes sure `root` is a directory owned by root that neither group nor
 * others can write, creating it (and missing parents) mode 0700 when it
 * does not exist; anything else is one line and exit 125.
 */
export function ensurePrivateRoot(root: StateRoot): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(root.root);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new UserError(`dockergsh: cannot use the state root ${root.root}: ${errorText(err)}`);
    }
    debug("store", `mkdir -m 0700 ${root.root}`);
    try {
      Deno.mkdirSync(root.root, { recursive: true, mode: 0o700 });
      // Checked again: someone else may have made it between the two calls.
      info = Deno.statSync(root.root);
    } catch (err) {
      throw new UserError(`dockergsh: cannot make the state root ${root.root}: ${errorText(err)}`);
    }
  }
  const why = privateDirProblem(info);
  if (why !== undefined) {
    throw new UserError(
      `dockergsh: refusing the state root ${root.root}: ${why} ` +
        `(it must be a directory of root that neither group nor others can write, e.g. 0700 root:root)`,
    );
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
