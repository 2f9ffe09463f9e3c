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
 * - Local Volumes: how many, how many a container (in any state) mounts,
 *   the bytes of their data, and those of the volumes nobody mounts;
 * - Build Cache: this engine builds nothing, so its row counts nothing, as
 *   Docker's does on a host without one.
 *
 * RECLAIMABLE carries its share of SIZE as Docker's `(N%)` (rounded down)
 * when SIZE is not zero. `--format` renders Docker's fields (Type,
 * TotalCount, Active, Size, Reclaimable) per row; `-v` prints Docker's
 * per-image, per-container and per-volume tables instead.
 *
 * @module
 */

import type { Kernel } from "../../../ffi/kernel.ts";
import { writableLayerSize } from "../../container/container_size.ts";
import { ContainerStore } from "../../container/store.ts";
import { LayerStore, treeSize } from "../../image/layer_store.ts";
import { ImageStore } from "../../image/store.ts";
import { lstatOrUndefined } from "../../_fs.ts";
import type { StateRoot } from "../../store/paths.ts";
import { containersUsingVolume } from "../../container/volume_mounts.ts";
import { VolumeStore } from "../../volume/store.ts";
import type { ContainerRecord } from "../../container/record.ts";
import { shortId } from "../../store/ids.ts";
import type { Command } from "../command.ts";
import { formatRows } from "../_format_output.ts";
import { humanSize, timeAgo } from "../_humanize.ts";
import { commandCell, statusCell } from "../_ps_columns.ts";
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

function containerUsage(root: StateRoot, kernel: Kernel): { usage: Usage; images: Set<string> } {
  const containers = new ContainerStore(root).list();
  let size = 0;
  let reclaimable = 0;
  for (const c of containers) {
    const n = writableLayerSize(root, kernel, c);
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

function volumeUsage(root: StateRoot): { usage: Usage; rows: string[][] } {
  const store = new VolumeStore(root);
  const usage: Usage = { total: 0, active: 0, size: 0, reclaimable: 0 };
  const rows: string[][] = [];
  for (const v of store.list()) {
    const links = containersUsingVolume(root, v.name).length;
    const path = store.dataPath(v.name);
    const size = lstatOrUndefined(path)?.isDirectory ? treeSize(path) : 0;
    usage.total++;
    usage.size += size;
    if (links > 0) usage.active++;
    else usage.reclaimable += size;
    rows.push([v.name, String(links), humanSize(size, 4)]);
  }
  return { usage, rows };
}

/** Docker's diskUsage fields of one row. */
function fields(type: string, u: Usage): Record<string, string> {
  const reclaimable = humanSize(u.reclaimable, 4);
  return {
    Active: String(u.active),
    Reclaimable: u.size > 0
      ? `${reclaimable} (${Math.floor((u.reclaimable * 100) / u.size)}%)`
      : reclaimable,
    Size: humanSize(u.size, 4),
    TotalCount: String(u.total),
    Type: type,
  };
}

const HEADERS: Record<string, string> = {
  Active: "ACTIVE",
  Reclaimable: "RECLAIMABLE",
  Size: "SIZE",
  TotalCount: "TOTAL",
  Type: "TYPE",
};
const COLUMNS = ["Type", "TotalCount", "Active", "Size", "Reclaimable"];

/** `system df -v`: Docker's four sections. */
function verbose(root: StateRoot, kernel: Kernel, containers: ContainerRecord[]): string {
  const now = new Date();
  const images = new ImageStore(root).list();
  const layers = new LayerStore(root);
  const users = new Map<string, number>();
  for (const d of images.flatMap((i) => [...new Set(i.layers ?? [])])) {
    users.set(d, (users.get(d) ?? 0) + 1);
  }
  const layerSize = (d: string) => (layers.has(d) ? treeSize(layers.dir(d)) : 0);
  const imageRows = images.flatMap((image) => {
    const own = [...new Set(image.layers ?? [])];
    const shared = own.filter((d) => (users.get(d) ?? 0) > 1).reduce((n, d) => n + layerSize(d), 0);
    const used = containers.filter((c) => c.config.imageId === image.id).length;
    const tags = image.repoTags.length ? image.repoTags : ["<none>:<none>"];
    return tags.map((ref) => {
      const colon = ref.lastIndexOf(":");
      return [
        ref.slice(0, colon),
        ref.slice(colon + 1),
        shortId(image.id),
        timeAgo(image.created, now),
        humanSize(image.size, 4),
        humanSize(shared, 4),
        humanSize(image.size - shared, 4),
        String(used),
      ];
    });
  });
  const containerRows = containers.map((c) => {
    return [
      shortId(c.id),
      c.config.image,
      commandCell(c.config.cmd, false),
      String(c.config.binds.filter((b) => b.volume !== undefined).length),
      humanSize(writableLayerSize(root, kernel, c), 4),
      timeAgo(c.created, now),
      statusCell(c.state, now),
      c.name,
    ];
  });
  return [
    "Images space usage:",
    "",
    formatTable(
      [
        "REPOSITORY",
        "TAG",
        "IMAGE ID",
        "CREATED",
        "SIZE",
        "SHARED SIZE",
        "UNIQUE SIZE",
        "CONTAINERS",
      ],
      imageRows,
    ),
    "",
    "Containers space usage:",
    "",
    formatTable(
      ["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"],
      containerRows,
    ),
    "",
    "Local Volumes space usage:",
    "",
    formatTable(["VOLUME NAME", "LINKS", "SIZE"], volumeUsage(root).rows),
    "",
    "Build cache usage: 0B",
    "",
    formatTable(["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"], []),
  ].join("\n");
}

/** `system df [-v] [--format T]`. */
export const command: Command = {
  name: "df",
  usage: "df [OPTIONS]",
  summary: "Show docker disk usage",
  flags: [
    { long: "format", kind: "string", help: "Pretty-print images using a Go template" },
    { long: "verbose", short: "v", kind: "bool", help: "Show detailed information on space usage" },
  ],
  maxArgs: 0,
  run(ctx, flags) {
    if (flags.bools.has("verbose")) {
      console.log(verbose(ctx.root, ctx.kernel, new ContainerStore(ctx.root).list()));
      return Promise.resolve(0);
    }
    const containers = containerUsage(ctx.root, ctx.kernel);
    const none: Usage = { total: 0, active: 0, size: 0, reclaimable: 0 };
    const rows = [
      fields("Images", imageUsage(ctx.root, containers.images)),
      fields("Containers", containers.usage),
      fields("Local Volumes", volumeUsage(ctx.root).usage),
      fields("Build Cache", none),
    ];
    const format = flags.strings.get("format");
    if (format !== undefined && format.trim() !== "table") {
      const type = {
        headers: HEADERS,
        structType: "*formatter.diskUsageImagesContext",
        execPrefix: "template parsing error",
        parsePrefix: "template parsing error",
      } as const;
      for (const line of formatRows(format, rows, type)) console.log(line);
      return Promise.resolve(0);
    }
    console.log(formatTable(
      COLUMNS.map((c) => HEADERS[c]),
      rows.map((r) => COLUMNS.map((c) => r[c])),
    ));
    return Promise.resolve(0);
  },
};
