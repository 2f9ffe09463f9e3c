/**
 * `dockergsh inspect [--format T] [--type container|image|network|volume] NAME|ID...`:
 * Docker's JSON for containers, images, networks and volumes (looked up in that
 * order, unless --type says which), or one line per object from a Go
 * template; a field the object lacks is a template error (exit 1), as
 * Docker's missingkey=error templates make it.
 *
 * @module
 */

import { inspectContainer } from "../../container/container_inspect.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import { ImageStore } from "../../image/store.ts";
import { writableLayerSize } from "../../container/container_size.ts";
import type { ContainerRecord } from "../../container/record.ts";
import type { Command, CommandContext } from "../command.ts";
import { type GoZero, TemplateError } from "../_go_template.ts";
import { inspectImage } from "../_image_inspect.ts";
import { compileFormat } from "../_format_output.ts";
import { inspectListedNetwork, resolveNetwork } from "./network.ts";
import { inspectVolume } from "./volume.ts";
import { VolumeStore } from "../../volume/store.ts";
import { isVolumeName } from "../../volume/name.ts";

type Kind = "container" | "image" | "network" | "volume";

const KINDS: readonly string[] = ["container", "image", "network", "volume"];

/**
 * `doc` with Docker's SizeRw and SizeRootFs after GraphDriver: the bytes
 * of the container's writable layer, and those plus its image's.
 */
function withSizes(
  ctx: CommandContext,
  record: ContainerRecord,
  doc: Record<string, unknown>,
): Record<string, unknown> {
  const rw = writableLayerSize(ctx.root, ctx.kernel, record);
  const image = new ImageStore(ctx.root).find(record.config.imageId)?.size ?? 0;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    out[key] = value;
    if (key === "GraphDriver") Object.assign(out, { SizeRw: rw, SizeRootFs: rw + image });
  }
  return out;
}

/**
 * Go's types of the inspect documents' fields whose JSON may be null or
 * left out (Docker's omitempty), so a template prints them as Docker's
 * typed structs do: a nil map `map[]`, a nil pointer `<nil>`, a nil slice
 * (every other null) `[]`.
 */
const DOCKER_ZERO: Record<string, GoZero> = {
  Labels: "map",
  Volumes: "map",
  ExposedPorts: "map",
  DriverOpts: "map",
  Options: "map",
  Tmpfs: "map",
  Sysctls: "map",
  StorageOpt: "map",
  PidsLimit: "pointer",
  MemorySwappiness: "pointer",
  OomKillDisable: "pointer",
  IPAMConfig: "pointer",
  Health: "pointer",
  Healthcheck: "pointer",
  Init: "pointer",
  StopTimeout: "pointer",
  StopSignal: "string",
};

/** The object `ref` names, or an error line as Docker words it. */
async function lookup(
  ctx: CommandContext,
  ref: string,
  kind: Kind | undefined,
  withSize: boolean,
): Promise<Record<string, unknown>> {
  const root = ctx.root;
  let containerError: UserError | undefined;
  if (kind !== "image") {
    try {
      const record = new ContainerStore(root).resolve(ref);
      const doc = inspectContainer(root, record);
      return withSize ? withSizes(ctx, record, doc) : doc;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      containerError = err;
    }
  }
  if (kind === "container" || /multiple IDs found/.test(containerError?.message ?? "")) {
    throw new UserError(
      `Error: ${containerError!.message.replace(/^Error response from daemon: /, "")}`,
      1,
    );
  }
  if (kind !== "network") {
    try {
      const image = inspectImage(new ImageStore(root), ref);
      if (withSize) console.error("WARNING: --size ignored for image");
      return image;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (kind === "image") throw new UserError(`Error: No such image: ${ref}`, 1);
    }
  }
  if (kind !== "volume") {
    try {
      return inspectListedNetwork(root, await resolveNetwork(root, ref));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (kind === "network") throw new UserError(`Error: No such network: ${ref}`, 1);
    }
  }
  // Docker looks at volumes after networks.
  const volumes = new VolumeStore(root);
  const volume = isVolumeName(ref) ? volumes.load(ref) : undefined;
  if (volume) return inspectVolume(volumes, volume);
  throw new UserError(`Error: No such ${kind === "volume" ? "volume" : "object"}: ${ref}`, 1);
}

/** The `inspect` command. */
export const command: Command = {
  name: "inspect",
  usage: "inspect [OPTIONS] NAME|ID [NAME|ID...]",
  summary: "Return low-level information on Docker objects",
  flags: [
    {
      long: "format",
      short: "f",
      kind: "string",
      help: "Format the output using the given Go template",
    },
    {
      long: "size",
      short: "s",
      kind: "bool",
      help: "Display total file sizes if the type is container",
    },
    {
      long: "type",
      kind: "string",
      help: "Return JSON for specified type",
    },
  ],
  minArgs: 1,
  async run(ctx, flags) {
    const kind = flags.strings.get("type");
    if (kind !== undefined && !KINDS.includes(kind)) {
      throw new UserError(`"${kind}" is not a valid value for --type`, 1);
    }
    const format = flags.strings.get("format");
    // Docker runs inspect templates on the raw JSON with missingkey=error.
    const render = format === undefined ? undefined : compileFormat(
      format,
      { missingKeyError: true, zeroOf: (key) => DOCKER_ZERO[key] },
      "template parsing error",
      64,
    );
    const found: Record<string, unknown>[] = [];
    const errors: string[] = [];
    for (const ref of flags.positionals) {
      try {
        found.push(await lookup(ctx, ref, kind as Kind | undefined, flags.bools.has("size")));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        errors.push(err.message);
      }
    }
    if (render) {
      for (const obj of found) {
        try {
          console.log(render(obj));
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          throw new UserError(`template parsing error: ${err.message}`, err.exitCode);
        }
      }
    } else {
      console.log(JSON.stringify(found, null, 4));
    }
    for (const e of errors) console.error(e);
    return errors.length ? 1 : 0;
  },
};
