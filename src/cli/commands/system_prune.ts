/**
 * `dockergsh system prune [-a] [-f] [--volumes] [--filter …]`: in Docker's
 * order and words, the stopped containers, the bridge networks no running
 * container is on (never the predefined ones), with `--volumes` the
 * volumes no container uses, and the dangling images (with `-a`, every
 * image no container uses); this engine has no build cache. `--filter`
 * takes Docker's `until`, `label` and `label!` and applies to each kind.
 *
 * @module
 */

import { pruneContainers } from "../../container/container_prune.ts";
import { removeNetwork } from "../../container/container_network.ts";
import { ContainerStore } from "../../container/store.ts";
import { pruneImages } from "../../image/image_prune.ts";
import { DEFAULT_NETWORK, NetworkStore } from "../../network/network_store.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { confirmed } from "../_confirm.ts";
import { humanSize } from "../_humanize.ts";
import { imagePruneFilter, labelsSelected, parsePruneFilter } from "../_prune_filter.ts";
import type { PruneFilter } from "../../container/container_prune.ts";
import { pruneVolumes } from "./volume.ts";

/** Removes the bridge networks `filter` selects that no running container is on; their names. */
function pruneNetworks(root: StateRoot, filter: PruneFilter): string[] {
  const store = new NetworkStore(root);
  const inUse = new Set(
    new ContainerStore(root).list().filter((c) => c.state.status === "running")
      .map((c) => c.endpoint?.network),
  );
  const deleted: string[] = [];
  for (const net of store.list()) {
    if (net.name === DEFAULT_NETWORK || inUse.has(net.name)) continue;
    if (filter.until !== undefined && Date.parse(net.created) >= filter.until) continue;
    // Networks here carry no labels.
    if (!labelsSelected(filter, {})) continue;
    removeNetwork(root, net.name);
    deleted.push(net.name);
  }
  return deleted;
}

/** Docker's prompt: what will go, and the filters. */
function warning(all: boolean, volumes: boolean, filters: readonly string[]): string {
  return [
    "WARNING! This will remove:",
    "  - all stopped containers",
    "  - all networks not used by at least one container",
    ...(volumes ? ["  - all volumes not used by at least one container"] : []),
    all
      ? "  - all images without at least one container associated to them"
      : "  - all dangling images",
    all ? "  - all build cache" : "  - all dangling build cache",
    ...(filters.length
      ? ["", "  Items to be pruned will be filtered with:", ...filters.map((f) => `  - ${f}`)]
      : []),
    "",
  ].join("\n");
}

/** The `system prune` command. */
export const command: Command = {
  name: "prune",
  usage: "prune [OPTIONS]",
  summary: "Remove unused data",
  flags: [
    {
      long: "all",
      short: "a",
      kind: "bool",
      help: "Remove all unused images not just dangling ones",
    },
    {
      long: "filter",
      kind: "list",
      type: "filter",
      help: "Provide filter values (e.g. 'label=<key>=<value>')",
    },
    { long: "force", short: "f", kind: "bool", help: "Do not prompt for confirmation" },
    { long: "volumes", kind: "bool", help: "Prune volumes" },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const specs = flags.lists.get("filter") ?? [];
    const filter = parsePruneFilter(specs);
    const all = flags.bools.has("all");
    const volumes = flags.bools.has("volumes");
    if (!flags.bools.has("force") && !(await confirmed(warning(all, volumes, specs)))) return 0;

    const out: string[] = [];
    const section = (title: string, lines: string[]) => {
      if (lines.length) out.push(title, ...lines, "");
    };
    const containers = await pruneContainers(ctx.root, ctx.kernel, filter);
    section("Deleted Containers:", containers.deleted);
    section("Deleted Networks:", pruneNetworks(ctx.root, filter));
    const removedVolumes = volumes ? pruneVolumes(ctx.root, filter) : { deleted: [], reclaimed: 0 };
    section("Deleted Volumes:", removedVolumes.deleted);
    const used = new Set(new ContainerStore(ctx.root).list().map((c) => c.config.imageId));
    const images = await pruneImages(ctx.root, all, used, imagePruneFilter(specs));
    section("Deleted Images:", images.lines);
    const reclaimed = containers.reclaimedBytes + removedVolumes.reclaimed + images.reclaimed;
    out.push(`Total reclaimed space: ${humanSize(reclaimed, 4)}`);
    console.log(out.join("\n"));
    return 0;
  },
};
