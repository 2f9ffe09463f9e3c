/**
 * `dockergsh volume create|ls|inspect|rm|prune`: the local volumes, with
 * Docker's output (measured against Docker 20.10: `ls` columns and
 * filters, `inspect`'s keys, `rm`'s in-use refusal, `prune`'s report).
 *
 * @module
 */

import { containersUsingVolume } from "../../container/volume_mounts.ts";
import { UserError } from "../../errors.ts";
import type { StateRoot } from "../../store/paths.ts";
import { type VolumeRecord, VolumeStore } from "../../volume/store.ts";
import type { Command } from "../command.ts";
import { compileTemplate } from "../_go_template.ts";
import { humanSize } from "../_humanize.ts";
import { confirmed } from "../_confirm.ts";
import { treeSize } from "../../image/layer_store.ts";
import { formatTable } from "../_table.ts";
import { forEachContainer } from "../_each_container.ts";
import { labelsFrom } from "../run_flags.ts";
import type { PruneFilter } from "../../container/container_prune.ts";
import { labelsSelected, parsePruneFilter } from "../_prune_filter.ts";

/** `docker volume inspect`'s object. */
export function inspectVolume(store: VolumeStore, v: VolumeRecord): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt,
    Driver: "local",
    Labels: v.labels,
    Mountpoint: store.dataPath(v.name),
    Name: v.name,
    Options: v.labels === null ? null : {},
    Scope: "local",
  };
}

/** What `volume ls --format` fields are, and their `table` headers. */
function formatFields(store: VolumeStore, v: VolumeRecord): Record<string, string> {
  const labels = Object.entries(v.labels ?? {}).map(([k, val]) => `${k}=${val}`).join(",");
  return {
    Name: v.name,
    Driver: "local",
    Scope: "local",
    Mountpoint: store.dataPath(v.name),
    Labels: labels,
    Links: "N/A",
    Size: "N/A",
  };
}

const HEADERS: Record<string, string> = {
  Name: "VOLUME NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  Mountpoint: "MOUNTPOINT",
  Labels: "LABELS",
  Links: "LINKS",
  Size: "SIZE",
};

/** The volumes `-f/--filter` keeps: `dangling=true|false`, `name=`, `label=K[=V]`, `driver=`. */
function volumeFilter(
  root: StateRoot,
  specs: readonly string[],
): (v: VolumeRecord) => boolean {
  const tests: Array<(v: VolumeRecord) => boolean> = [];
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const key = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? "" : spec.slice(eq + 1);
    if (key === "dangling") {
      const dangling = ["true", "1"].includes(value)
        ? true
        : ["false", "0"].includes(value)
        ? false
        : undefined;
      if (dangling === undefined) {
        throw new UserError(`Error response from daemon: Invalid filter 'dangling=[${value}]'`, 1);
      }
      tests.push((v) => (containersUsingVolume(root, v.name).length === 0) === dangling);
    } else if (key === "name") {
      tests.push((v) => v.name.includes(value));
    } else if (key === "driver") {
      tests.push(() => value === "local");
    } else if (key === "label") {
      const at = value.indexOf("=");
      const k = at < 0 ? value : value.slice(0, at);
      tests.push((v) =>
        v.labels !== null && k in v.labels && (at < 0 || v.labels[k] === value.slice(at + 1))
      );
    } else {
      throw new UserError(`Error response from daemon: Invalid filter '${key}'`, 1);
    }
  }
  return (v) => tests.every((t) => t(v));
}

const FILTER_FLAG = {
  long: "filter",
  short: "f",
  kind: "list" as const,
  type: "filter",
  help: "Provide filter values (e.g. 'dangling=true')",
};

/** `volume create`. */
export const create: Command = {
  name: "create",
  usage: "create [OPTIONS] [VOLUME]",
  summary: "Create a volume",
  flags: [
    { long: "label", kind: "list", help: "Set metadata for a volume" },
    {
      long: "driver",
      short: "d",
      kind: "string",
      defaultValue: "local",
      help: "Specify volume driver name",
    },
    { long: "name", kind: "string", hidden: true, help: "Specify volume name" },
  ],
  maxArgs: 1,
  run(ctx, flags) {
    const driver = flags.strings.get("driver") ?? "local";
    if (driver !== "local") {
      throw new UserError(
        `Error response from daemon: create: volume driver ${driver} is not supported: only "local" is`,
        1,
      );
    }
    const name = flags.positionals[0] ?? flags.strings.get("name");
    const labels = labelsFrom([], flags.lists.get("label") ?? []);
    const store = new VolumeStore(ctx.root);
    let rec: VolumeRecord;
    try {
      rec = store.locked(() => store.ensure(name === "" ? undefined : name, labels));
    } catch (err) {
      // The daemon's answer, as `docker volume create` prints it: exit 1.
      if (err instanceof UserError) throw new UserError(err.message.replace(/^dockergsh: /, ""), 1);
      throw err;
    }
    console.log(rec.name);
    return Promise.resolve(0);
  },
};

/** `volume ls`. */
export const ls: Command = {
  name: "ls",
  usage: "ls [OPTIONS]",
  summary: "List volumes",
  flags: [
    { long: "quiet", short: "q", kind: "bool", help: "Only display volume names" },
    { long: "format", kind: "string", help: "Pretty-print volumes using a Go template" },
    FILTER_FLAG,
  ],
  maxArgs: 0,
  run(ctx, flags) {
    const store = new VolumeStore(ctx.root);
    const keep = volumeFilter(ctx.root, flags.lists.get("filter") ?? []);
    const all = store.list().filter(keep);
    if (flags.bools.has("quiet")) {
      for (const v of all) console.log(v.name);
      return Promise.resolve(0);
    }
    // Docker's CLI reads `\t` and `\n` in a format as a tab and a newline.
    const format = flags.strings.get("format")?.replaceAll("\\t", "\t").replaceAll("\\n", "\n");
    if (format !== undefined && !format.startsWith("table")) {
      const render = compileTemplate(format);
      for (const v of all) console.log(render(formatFields(store, v)));
      return Promise.resolve(0);
    }
    const template = format?.replace(/^table\s*/, "") || "{{.Driver}}\t{{.Name}}";
    const render = compileTemplate(template);
    console.log(formatTable(
      render(HEADERS).split("\t"),
      all.map((v) => render(formatFields(store, v)).split("\t")),
    ));
    return Promise.resolve(0);
  },
};

/** `volume inspect`. */
export const inspect: Command = {
  name: "inspect",
  usage: "inspect [OPTIONS] VOLUME [VOLUME...]",
  summary: "Display detailed information on one or more volumes",
  flags: [{
    long: "format",
    short: "f",
    kind: "string",
    help: "Format the output using the given Go template",
  }],
  minArgs: 1,
  run(ctx, flags) {
    const store = new VolumeStore(ctx.root);
    const format = flags.strings.get("format");
    const render = format === undefined ? undefined : compileTemplate(format);
    const found: Record<string, unknown>[] = [];
    let code = 0;
    for (const name of flags.positionals) {
      const rec = store.load(name);
      if (!rec) {
        console.error(`Error: No such volume: ${name}`);
        code = 1;
        continue;
      }
      found.push(inspectVolume(store, rec));
    }
    if (render) { for (const obj of found) console.log(render(obj)); }
    else console.log(JSON.stringify(found, null, 4));
    return Promise.resolve(code);
  },
};

/** `volume rm`. */
export const rm: Command = {
  name: "rm",
  usage: "rm [OPTIONS] VOLUME [VOLUME...]",
  summary: "Remove one or more volumes. You cannot remove a volume that is in use by a container.",
  flags: [{
    long: "force",
    short: "f",
    kind: "bool",
    help: "Force the removal of one or more volumes",
  }],
  minArgs: 1,
  run(ctx, flags) {
    const store = new VolumeStore(ctx.root);
    const force = flags.bools.has("force");
    return forEachContainer(flags.positionals, (name) =>
      new Promise((resolve) => {
        if (force && !store.load(name)) return resolve();
        store.remove(name, (n) => containersUsingVolume(ctx.root, n));
        resolve();
      }));
  },
};

/** What a volume prune removed: the names, and the bytes their data held. */
export interface VolumePruneReport {
  deleted: string[];
  reclaimed: number;
}

/**
 * Removes the volumes no container uses that `filter` selects (Docker's
 * `label=`/`label!=`; a volume prune takes no `until`), under the volume lock.
 */
export function pruneVolumes(root: StateRoot, filter: PruneFilter): VolumePruneReport {
  const store = new VolumeStore(root);
  const report: VolumePruneReport = { deleted: [], reclaimed: 0 };
  store.locked(() => {
    for (const v of store.list()) {
      if (!labelsSelected(filter, v.labels ?? {})) continue;
      if (containersUsingVolume(root, v.name).length > 0) continue;
      report.reclaimed += treeSize(store.dataPath(v.name));
      store.removeUnlocked(v.name);
      report.deleted.push(v.name);
    }
  });
  return report;
}

/** `volume prune`. */
export const prune: Command = {
  name: "prune",
  usage: "prune [OPTIONS]",
  summary: "Remove all unused local volumes",
  flags: [
    { long: "force", short: "f", kind: "bool", help: "Do not prompt for confirmation" },
    {
      long: "filter",
      kind: "list",
      type: "filter",
      help: "Provide filter values (e.g. 'label=<label>')",
    },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const filters = flags.lists.get("filter") ?? [];
    for (const f of filters) {
      if (!f.startsWith("label=") && !f.startsWith("label!=")) {
        throw new UserError(`Error response from daemon: Invalid filter '${f.split("=")[0]}'`, 1);
      }
    }
    const warning =
      "WARNING! This will remove all local volumes not used by at least one container.";
    if (!flags.bools.has("force") && !await confirmed(warning)) return 0;
    const report = pruneVolumes(ctx.root, parsePruneFilter(filters));
    if (report.deleted.length) console.log(["Deleted Volumes:", ...report.deleted, ""].join("\n"));
    console.log(`Total reclaimed space: ${humanSize(report.reclaimed, 4)}`);
    return 0;
  },
};
