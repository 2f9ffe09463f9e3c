/**
 * `commit`: a new image holding the container's filesystem as the
 * container sees it: the image's rootfs with the container's overlay upper
 * layer applied, deletions included. Works on a running or a stopped
 * container (a running one is not paused: a file being written during the
 * commit may be caught half-written).
 *
 * The upper layer is overlayfs's own record of the changes (this engine
 * mounts overlay without redirect_dir or metacopy, so whiteouts and opaque
 * directories are all it uses):
 * - a character device 0:0 is a whiteout: the entry below was deleted;
 * - a directory with xattr `trusted.overlay.opaque=y` replaces the
 *   directory below wholesale (it was deleted and made again);
 * - anything else is new or changed and replaces what is below.
 *
 * The merged tree is built in `<root>/tmp`: the image's files copied (an
 * image of several layers through a read-only overlay of them mounted for
 * the copy)
 * (`cp -a --reflink=auto`), the entries the upper layer deletes or replaces
 * removed, then the upper layer copied over it with `tar` (owners numeric,
 * xattrs kept except overlay's private `trusted.overlay.*` ones), then the
 * whiteouts removed. Mount-point files the engine made for the container's
 * /etc/hostname, /etc/hosts and /etc/resolv.conf are left out, as Docker
 * does. Everything a commit writes is under the state root: a full disk is
 * one NoSpaceError naming it, also when `cp` or `tar` is the one that ran
 * out of space, and the scratch tree is removed.
 *
 * @module
 */

import { MNT_DETACH } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { sha256OfStream } from "../image/digest_stream.ts";
import { type ImageConfig, type ImageRecord, ImageStore } from "../image/store.ts";
import { needsSpace } from "../store/disk_full.ts";
import { shortId } from "../store/ids.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./container_create.ts";
import type { ContainerRecord } from "./record.ts";

/** What the new image records besides its files. */
export interface CommitOptions {
  comment?: string;
  /** The new image's command, environment and working directory. */
  config: ImageConfig;
}

/**
 * Files bind-mounted over by every container (and `--init`'s), and
 * Docker's `/.dockerenv` mark: an empty one in the upper layer was made
 * for that, as Docker's init layer, which no commit takes.
 */
const ENGINE_MOUNT_POINTS = [
  "etc/hostname",
  "etc/hosts",
  "etc/resolv.conf",
  ".dockerenv",
  "sbin/docker-init",
];

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

function isOpaque(kernel: Kernel, dir: string): boolean {
  const value = kernel.lgetxattr(dir, "trusted.overlay.opaque");
  return value !== null && new TextDecoder().decode(value) === "y";
}

/**
 * Clears the way in `tree` for the upper layer at `upper`: removes what
 * whiteouts delete, what opaque directories replace, and every entry the
 * upper layer will write (so the copy never writes through a hard link
 * shared with another file of the image). Returns the whiteouts' paths.
 */
function clearForUpper(kernel: Kernel, upper: string, tree: string, rel = ""): string[] {
  const whiteouts: string[] = [];
  for (const entry of Deno.readDirSync(`${upper}/${rel}`)) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    const info = Deno.lstatSync(`${upper}/${path}`);
    const below = lstatOrUndefined(`${tree}/${path}`);
    if (isWhiteout(info)) {
      removeIfPresent(`${tree}/${path}`);
      whiteouts.push(path);
    } else if (info.isDirectory) {
      if (below && (!below.isDirectory || isOpaque(kernel, `${upper}/${path}`))) {
        removeIfPresent(`${tree}/${path}`);
      }
      whiteouts.push(...clearForUpper(kernel, upper, tree, path));
    } else if (below) {
      removeIfPresent(`${tree}/${path}`);
    }
  }
  return whiteouts;
}

/** The engine's empty mount-point files in `upper` that the image itself does not have. */
function engineMountPoints(upper: string, lower: string): string[] {
  return ENGINE_MOUNT_POINTS.filter((path) => {
    const info = lstatOrUndefined(`${upper}/${path}`);
    return info?.isFile && info.size === 0 && lstatOrUndefined(`${lower}/${path}`) === undefined;
  });
}

/** The first line of a tool's stderr. */
function firstLine(out: Deno.CommandOutput): string {
  return new TextDecoder().decode(out.stderr).trim().split("\n")[0];
}

/**
 * A failed `cp` or `tar` as an error; one that ran out of space carries
 * ENOSPC, as a failed write of this process would, for needsSpace.
 */
function toolFailure(message: string, out: Deno.CommandOutput): Error {
  const err = new Error(message);
  const stderr = new TextDecoder().decode(out.stderr);
  if (/No space left on device|Disk quota exceeded/.test(stderr)) {
    return Object.assign(err, { code: "ENOSPC" });
  }
  return err;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (out.code !== 0) throw toolFailure(`commit: ${cmd} failed: ${firstLine(out)}`, out);
}

/** Copies `upper` over `tree`: numeric owners, xattrs but overlay's own. */
async function copyUpper(upper: string, tree: string): Promise<void> {
  const pack = new Deno.Command("tar", {
    args: [
      "-C",
      upper,
      "--numeric-owner",
      "--xattrs",
      "--xattrs-exclude=trusted.overlay.*",
      "-cf",
      "-",
      ".",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const unpack = new Deno.Command("tar", {
    args: [
      "-C",
      tree,
      "--numeric-owner",
      "--xattrs",
      "--xattrs-include=*",
      "--same-permissions",
      "--same-owner",
      "-xf",
      "-",
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  await pack.stdout.pipeTo(unpack.stdin);
  const [packed, unpacked] = await Promise.all([pack.output(), unpack.output()]);
  // tar exits 1 when a file changed while it was read: expected in a running container.
  if (packed.code > 1) throw new Error(`commit: reading the upper layer: ${firstLine(packed)}`);
  if (unpacked.code !== 0) {
    throw toolFailure(`commit: writing the new image: ${firstLine(unpacked)}`, unpacked);
  }
}

/** The diff ID of `tree`: the sha256 of its tar (sorted, numeric owners, xattrs). */
async function treeDiffId(tree: string): Promise<string> {
  const child = new Deno.Command("tar", {
    args: ["-C", tree, "--sort=name", "--numeric-owner", "--xattrs", "-cf", "-", "."],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const hex = await sha256OfStream(child.stdout);
  const { code } = await child.status;
  if (code !== 0) throw new Error(`commit: tar of the new layer failed (exit ${code})`);
  return `sha256:${hex}`;
}

/**
 * Commits `record`'s container as a new image tagged `ref` (untagged when
 * undefined); resolves to the image. Nothing is left behind on failure; a
 * full disk under the root is one NoSpaceError.
 */
export function commitContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  ref: string | undefined,
  opts: CommitOptions,
): Promise<ImageRecord> {
  // Every write is under the root, some by cp and tar, whose errors name no path of ours.
  return needsSpace(
    root,
    () => commit(root, kernel, record, ref, opts),
    `committing container ${shortId(record.id)}`,
  );
}

async function commit(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  ref: string | undefined,
  opts: CommitOptions,
): Promise<ImageRecord> {
  const images = new ImageStore(root);
  const layerDirs = images.layerDirs(record.config.imageId);
  const { upper } = containerPaths(root, record.id);
  const tmp = `${root.root}/tmp`;
  Deno.mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const tree = Deno.makeTempDirSync({ dir: tmp, prefix: `commit-${record.id.slice(0, 12)}-` });
  const view = layerDirs.length > 1 ? Deno.makeTempDirSync({ dir: tmp, prefix: "view-" }) : "";
  try {
    if (view) kernel.mount("overlay", view, "overlay", 0, `lowerdir=${layerDirs.join(":")}`);
    const lower = view || layerDirs[0];
    try {
      await run("cp", ["-a", "--reflink=auto", `${lower}/.`, `${tree}/`]);
      const whiteouts = clearForUpper(kernel, upper, tree);
      await copyUpper(upper, tree);
      for (const path of [...whiteouts, ...engineMountPoints(upper, lower)]) {
        removeIfPresent(`${tree}/${path}`);
      }
    } finally {
      if (view) kernel.umount2(view, MNT_DETACH);
    }
    const diffId = await treeDiffId(tree);
    // Awaited here: the finally below must not remove the tree before it is moved in.
    return await images.createFromDirectory(tree, ref, { ...opts, diffId });
  } finally {
    removeIfPresent(tree);
    if (view) removeIfPresent(view);
  }
}
