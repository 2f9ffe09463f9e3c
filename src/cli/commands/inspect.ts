/**
 * `dockergsh inspect [--format T] [--type container|image] NAME|ID...`:
 * Docker's JSON for containers and images (a container is looked up first,
 * then an image, unless --type says which), or one line per object from a
 * Go template.
 *
 * @module
 */

import { inspectContainer } from "../../container/container_inspect.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import { ImageStore } from "../../image/store.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { compileTemplate } from "../_go_template.ts";

type Kind = "container" | "image";

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
    );
  }
  try {
    return inspectImage(root, ref);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`Error: No such ${kind === "image" ? "image" : "object"}: ${ref}`);
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
    { long: "type", kind: "string", help: "Only look for this type: container or image" },
  ],
  minArgs: 1,
  run(ctx, flags) {
    const kind = flags.strings.get("type");
    if (kind !== undefined && kind !== "container" && kind !== "image") {
      throw new UserError(`"${kind}" is not a valid value for --type (container or image)`);
    }
    const format = flags.strings.get("format");
    const render = format === undefined ? undefined : compileTemplate(format);
    const found: Record<string, unknown>[] = [];
    const errors: string[] = [];
    for (const ref of flags.positionals) {
      try {
        found.push(lookup(ctx.root, ref, kind));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        errors.push(err.message);
      }
    }
    if (render) {
      for (const obj of found) console.log(render(obj));
    } else {
      console.log(JSON.stringify(found, null, 4));
    }
    for (const e of errors) console.error(e);
    return Promise.resolve(errors.length ? 1 : 0);
  },
};
