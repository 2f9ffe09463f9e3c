/**
 * `dockergsh system df`: the disk usage table (TYPE TOTAL ACTIVE SIZE
 * RECLAIMABLE) as Docker prints it:
 *
 * - Images: how many, how many a container uses, the bytes of their layers
 *   (a shared layer once), and what Docker calls reclaimable: that total
 *   less the bytes only the used images have (so a layer a used image
 *   shares with an unused one counts as reclaimable, as in docker-cli);
 * - Containers: how many, how many run, the bytes of their writable
 *   layers, and those of the containers not running;
 * - Local Volumes and Build Cache: this engine has neither yet, so their
 *   rows count nothing, as Docker's do on a host without them.
 *
 * RECLAIMABLE carries its share of SIZE as Docker's `(N%)` (rounded down)
 * when SIZE is not zero.
 *
 * @module
 */

import { containerPaths } from "../../container/paths.ts";
import { ContainerStore } from "../../container/store.ts";
import { LayerStore, treeSize } from "../../image/layer_store.ts";
import { ImageStore } from "../../image/store.ts";
import { lstatOrUndefined } from "../../_fs.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { humanSize } from "../_humanize.ts";
import { formatTable } from "../_table.ts";

/** One row: counts and bytes. */
interface Usage {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

function imageUsage(root: StateRoot, usedImages: Set<string>): Usage {
  const images = new ImageStore(root).list();
  const layers = new LayerStore(root);
  const sizes = new Map<string, number>();
  const size = (diffId: string) => {
    let n = sizes.get(diffId);
    if (n === undefined) {
      n = layers.has(diffId) ? treeSize(layers.dir(diffId)) : 0;
      sizes.set(diffId, n);
    }
    return n;
  };
  const all = new Set(images.flatMap((i) => i.layers ?? []));
  const users = new Map<string, number>();
  for (const d of images.flatMap((i) => [...new Set(i.layers ?? [])])) {
    users.set(d, (users.get(d) ?? 0) + 1);
  }
  const active = images.filter((i) => usedImages.has(i.id));
  // docker-cli: used = Σ over used images of (size − shared size).
  const used = active.flatMap((i) => [...new Set(i.layers ?? [])])
    .filter((d) => users.get(d) === 1).reduce((n, d) => n + size(d), 0);
  const total = [...all].reduce((n, d) => n + size(d), 0);
  return { total: images.length, active: active.length, size: total, reclaimable: total - used };
}

function containerUsage(root: StateRoot): { usage: Usage; images: Set<string> } {
  const containers = new ContainerStore(root).list();
  const upperSize = (id: string) => {
    const upper = containerPaths(root, id).upper;
    return lstatOrUndefined(upper)?.isDirectory ? treeSize(upper) : 0;
  };
  let size = 0;
  let reclaimable = 0;
  for (const c of containers) {
    const n = upperSize(c.id);
    size += n;
    if (c.state.status !== "running") reclaimable += n;
  }
  return {
    usage: {
      total: containers.length,
      active: containers.filter((c) => c.state.status === "running").length,
      size,
      reclaimable,
    },
    images: new Set(containers.map((c) => c.config.imageId)),
  };
}

function row(type: string, u: Usage): string[] {
  const reclaimable = humanSize(u.reclaimable, 4);
  return [
    type,
    String(u.total),
    String(u.active),
    humanSize(u.size, 4),
    u.size > 0 ? `${reclaimable} (${Math.floor((u.reclaimable * 100) / u.size)}%)` : reclaimable,
  ];
}

/** `system df`. */
export const command: Command = {
  name: "df",
  usage: "df",
  summary: "Show docker disk usage",
  flags: [],
  maxArgs: 0,
  run(ctx) {
    const containers = containerUsage(ctx.root);
    const none: Usage = { total: 0, active: 0, size: 0, reclaimable: 0 };
    console.log(formatTable(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], [
      row("Images", imageUsage(ctx.root, containers.images)),
      row("Containers", containers.usage),
      row("Local Volumes", none),
      row("Build Cache", none),
    ]));
    return Promise.resolve(0);
  },
};
