/**
 * `commit`: a new image of the container's filesystem as the container
 * sees it: the image's layers, shared, plus one layer on top holding the
 * container's changes (deletions included), as Docker's. Works on a
 * running or a stopped container (a running one is not paused: a file
 * being written during the commit may be caught half-written).
 *
 * The new layer is the container's overlay upper directory, written as an
 * OCI changeset tar (src/image/overlay_diff_tar.ts: overlay's whiteouts
 * and opaque directories become `.wh.` markers) and extracted by the same
 * safe extractor a pulled layer goes through, with its tar record, into
 * `<root>/tmp`, then moved into the layer store under its diff ID (the
 * sha256 of that tar). The mount-point files the engine made for the
 * container's /etc/hostname, /etc/hosts and /etc/resolv.conf are left out,
 * as Docker does. A container with no changes adds no layer (Docker's
 * `empty_layer`). The image config is the parent's with the new layer,
 * settings and history entry. Everything a commit writes is under the
 * state root: a full disk is one NoSpaceError naming it, and the scratch
 * tree is removed.
 *
 * @module
 */

import { ENGINE_MOUNT_POINTS, ENGINE_SYMLINKS, isEngineEntry } from "./_engine_mount_points.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { hashing } from "../image/digest_stream.ts";
import { extractTar } from "../image/extract.ts";
import { buildConfigBlob, type HistoryEntry, parseConfigBlob } from "../image/image_config.ts";
import { LayerStore } from "../image/layer_store.ts";
import { overlayDiffTar } from "../image/overlay_diff_tar.ts";
import { parseReference } from "../image/reference.ts";
import { type ImageConfig, type ImageRecord, ImageStore } from "../image/store.ts";
import { TarRecordWriter } from "../image/tar_record.ts";
import { needsSpace } from "../store/disk_full.ts";
import { shortId } from "../store/ids.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import { assertUpperIntact } from "./volatile_upper.ts";
import type { ContainerRecord } from "./record.ts";

/** What the new image records besides its files. */
export interface CommitOptions {
  comment?: string;
  /** `--author`: the image's Author, and its history step's. */
  author?: string;
  /** The new image's command, environment and working directory. */
  config: ImageConfig;
}

/** The sha256 of a tar with no entries (1024 zero bytes): a commit of no changes. */
export const EMPTY_TAR_DIFF_ID =
  "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/** The engine's entries in `upper` (empty mount-point files, /etc/mtab) that no image layer has. */
function engineMountPoints(upper: string, layerDirs: string[]): Set<string> {
  return new Set([...ENGINE_MOUNT_POINTS, ...Object.keys(ENGINE_SYMLINKS)].filter((path) => {
    const info = lstatOrUndefined(`${upper}/${path}`);
    return info !== undefined &&
      isEngineEntry(path, info, () => Deno.readLinkSync(`${upper}/${path}`)) &&
      layerDirs.every((dir) => lstatOrUndefined(`${dir}/${path}`) === undefined);
  }));
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
  return needsSpace(
    root,
    () => commit(root, kernel, record, ref, opts),
    `committing container ${shortId(record.id)}`,
  );
}

/** The parent's diff IDs, history, platform (from its config blob, or its record for an old image). */
function parentConfig(images: ImageStore, imageId: string) {
  const blob = images.configBlob(imageId);
  const record = images.resolve(imageId);
  if (!record.layers) {
    // One flat tree, no layer to build on: a layer on top of nothing would lose the image.
    throw new UserError(
      `dockergsh: image ${
        shortId(imageId)
      } was stored by an older dockergsh as one flat tree: import it again to commit containers of it`,
    );
  }
  if (!blob) {
    return { diffIds: record.layers ?? [], history: [] as HistoryEntry[], record };
  }
  const config = parseConfigBlob(blob);
  return { diffIds: config.rootfs!.diff_ids!, history: config.history ?? [], record };
}

async function commit(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  ref: string | undefined,
  opts: CommitOptions,
): Promise<ImageRecord> {
  if (ref !== undefined) parseReference(ref);
  const images = new ImageStore(root);
  const layers = new LayerStore(root);
  const imageId = record.config.imageId;
  const parent = parentConfig(images, imageId);
  assertUpperIntact(root, record.id);
  const { upper } = containerPaths(root, record.id);
  const lowerDirs = images.layerDirs(imageId);
  const exclude = engineMountPoints(upper, lowerDirs);
  const scratch = layers.scratch("commit");
  let made: string | undefined;
  try {
    const tree = `${scratch}/tree`;
    Deno.mkdirSync(tree, { mode: 0o755 });
    const tarRecord = new TarRecordWriter(`${scratch}/tar-record`);
    const hash = hashing();
    try {
      const tar = overlayDiffTar(kernel, upper, lowerDirs, exclude).pipeThrough(hash.transform);
      await extractTar(tar, tree, { layer: kernel, tap: tarRecord });
    } finally {
      tarRecord.close();
    }
    const diffId = `sha256:${hash.hex()}`;
    const empty = diffId === EMPTY_TAR_DIFF_ID;
    if (!empty && await layers.adopt(tree, tarRecord.path, diffId)) made = diffId;
    const created = new Date().toISOString();
    const blob = buildConfigBlob({
      created,
      comment: opts.comment,
      author: opts.author,
      config: opts.config,
      diffIds: empty ? parent.diffIds : [...parent.diffIds, diffId],
      history: [...parent.history, {
        created,
        created_by: record.config.cmd.join(" "),
        ...(opts.author ? { author: opts.author } : {}),
        ...(opts.comment ? { comment: opts.comment } : {}),
        ...(empty ? { empty_layer: true } : {}),
      }],
      architecture: parent.record.architecture ?? "amd64",
      os: parent.record.os ?? "linux",
    });
    return await images.createFromConfig(blob, ref === undefined ? [] : [ref], {
      parent: imageId,
    });
  } catch (err) {
    if (made) images.releaseLayers([made]);
    throw err;
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
}
