/**
 * `dockergsh inspect [--format T] [--type container|image|network] NAME|ID...`:
 * Docker's JSON for containers, images and networks (looked up in that
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
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { TemplateError } from "../_go_template.ts";
import { compileFormat } from "../_format_output.ts";
import { NetworkStore } from "../../network/network_store.ts";
import { inspectNetwork } from "./network.ts";

type Kind = "container" | "image" | "network";

const KINDS: readonly string[] = ["container", "image", "network"];

/** `docker image inspect`'s object for one image. */
function inspectImage(root: StateRoot, ref: string): Record<string, unknown> {
  const images = new ImageStore(root);
  const image = images.resolve(ref);
  const [top, ...lower] = images.layerDirs(image.id);
  const config = image.config ?? {};
  return {
    Id: `sha256:${image.id}`,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests ?? [],
    Parent: image.parent ? `sha256:${image.parent}` : "",
    Comment: image.comment ?? "",
    Created: image.created,
    Author: "",
    Config: {
      User: config.user ?? "",
      ...(config.exposedPorts ? { ExposedPorts: config.exposedPorts } : {}),
      Env: config.env ?? null,
      Cmd: config.cmd ?? null,
      WorkingDir: config.workingDir ?? "",
      Entrypoint: config.entrypoint ?? null,
      Labels: config.labels ?? null,
      ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
    },
    Architecture: image.architecture ?? "amd64",
    Os: image.os ?? "linux",
    Size: image.size,
    // An image has no merged mount: its top layer, and those below as overlay lists them.
    GraphDriver: {
      Data: { UpperDir: top, ...(lower.length ? { LowerDir: lower.join(":") } : {}) },
      Name: "overlay2",
    },
    RootFS: { Type: "layers", Layers: image.layers ?? [] },
  };
}

/** The object `ref` names, or an error line as Docker words it. */
function lookup(root: StateRoot, ref: string, kind?: Kind): Record<string, unknown> {
  let containerError: UserError | undefined;
  if (kind !== "image") {
    try {
      return inspectContainer(root, new ContainerStore(root).resolve(ref));
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
      return inspectImage(root, ref);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (kind === "image") throw new UserError(`Error: No such image: ${ref}`, 1);
    }
  }
  try {
    return inspectNetwork(root, new NetworkStore(root).resolve(ref));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`Error: No such ${kind === "network" ? "network" : "object"}: ${ref}`, 1);
  }
}

/** The `inspect` command. */
export const command: Command = {
  name: "inspect",
  usage: "inspect [OPTIONS] NAME|ID [NAME|ID...]",
  summary: "Return low-level information on containers and images",
  flags: [
    {
      long: "format",
      short: "f",
      kind: "string",
      help: "Format the output using a Go template, e.g. '{{.State.Pid}}' or '{{json .Config}}'",
    },
    {
      long: "type",
      kind: "string",
      help: "Return JSON for specified type (container, image, network)",
    },
  ],
  minArgs: 1,
  run(ctx, flags) {
    const kind = flags.strings.get("type");
    if (kind !== undefined && !KINDS.includes(kind)) {
      throw new UserError(
        `"${kind}" is not a valid value for --type (container, image or network)`,
      );
    }
    const format = flags.strings.get("format");
    // Docker runs inspect templates on the raw JSON with missingkey=error.
    const render = format === undefined
      ? undefined
      : compileFormat(format, { missingKeyError: true }, "template parsing error", 64);
    const found: Record<string, unknown>[] = [];
    const errors: string[] = [];
    for (const ref of flags.positionals) {
      try {
        found.push(lookup(ctx.root, ref, kind as Kind | undefined));
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
    return Promise.resolve(errors.length ? 1 : 0);
  },
};
