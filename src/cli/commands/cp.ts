/**
 * `dockergsh cp CONTAINER:SRC DEST|-` and `dockergsh cp SRC|- CONTAINER:DEST`:
 * copy files out of or into a container, running or not; `-` is a tar
 * stream on stdout or stdin. See src/container/container_copy.ts for how
 * paths stay inside the container.
 *
 * @module
 */

import {
  containerTarget,
  copyToHost,
  extractIntoContainer,
  openContainerRoot,
  splitPath,
  tarFromContainer,
} from "../../container/container_copy.ts";
import { eventSubject } from "../../container/events.ts";
import { ContainerStore } from "../../container/store.ts";
import { recordEvent } from "../../events/events.ts";
import { UserError } from "../../errors.ts";
import { readTar } from "../../image/_tar_reader.ts";
import type { Command, CommandContext } from "../command.ts";
import { writeOutput } from "../_output_file.ts";
import { resolveContainer } from "../_resolve_container.ts";

/** `CONTAINER:PATH` split, or undefined for a local path (Docker's rule: a path with "/" before the colon is local). */
export function splitContainerPath(arg: string): { ref: string; path: string } | undefined {
  const colon = arg.indexOf(":");
  if (colon <= 0 || arg.slice(0, colon).includes("/")) return undefined;
  return { ref: arg.slice(0, colon), path: arg.slice(colon + 1) || "/" };
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

async function copyIn(
  ctx: CommandContext,
  src: string,
  dest: { ref: string; path: string },
  followLink: boolean,
): Promise<void> {
  const record = resolveContainer(
    new ContainerStore(ctx.root),
    dest.ref,
    // Docker names the directory it would extract into.
    (ref) => `Error: No such container:path: ${ref}:${splitPath(dest.path)[0]}`,
  );
  let tarProcess: Deno.ChildProcess | undefined;
  let stream: ReadableStream<Uint8Array>;
  let rename: { from: string; to: string } | undefined;
  let tarErrors: Promise<string> | undefined;
  const view = openContainerRoot(ctx.root, ctx.kernel, record, true);
  try {
    const target = containerTarget(ctx.kernel, view, dest.ref, dest.path);
    if (src === "-") {
      if (target.name !== undefined) {
        throw new UserError(`destination "${dest.ref}:${dest.path}" must be a directory`, 1);
      }
      stream = Deno.stdin.readable;
    } else {
      const abs = absolute(src);
      try {
        Deno.lstatSync(abs);
      } catch {
        throw new UserError(`lstat ${abs}: no such file or directory`, 1);
      }
      const [, linkName] = splitPath(abs);
      // -L: a symlink at SRC is followed (only there), the copy keeping the link's name.
      const real = followLink && Deno.lstatSync(abs).isSymlink ? Deno.realPathSync(abs) : abs;
      const [parent, base] = splitPath(real);
      // Docker: a destination ending in / must be a directory that exists, unless a directory is copied.
      if (target.name !== undefined && dest.path.endsWith("/") && !Deno.statSync(abs).isDirectory) {
        throw new UserError("no such directory", 1);
      }
      const name = target.name ?? linkName;
      if (name !== base) rename = { from: base, to: name };
      tarProcess = new Deno.Command("tar", {
        args: ["-c", "-f", "-", "--numeric-owner", "-C", parent, `./${base}`],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      stream = tarProcess.stdout;
      tarErrors = new Response(tarProcess.stderr).text();
    }
    await extractIntoContainer(ctx.kernel, view, target.dir, readTar(stream), rename);
    recordEvent(ctx.root, "extract-to-dir", eventSubject(record));
    if (tarProcess) {
      const [status, errors] = await Promise.all([tarProcess.status, tarErrors]);
      if (!status.success) {
        throw new UserError(`dockergsh: tar: ${errors?.trim().split("\n")[0]}`, 1);
      }
    }
  } finally {
    view.close();
  }
}

function copyOut(
  ctx: CommandContext,
  src: { ref: string; path: string },
  dest: string,
  followLink: boolean,
): void {
  const record = resolveContainer(
    new ContainerStore(ctx.root),
    src.ref,
    (ref) => `Error: No such container:path: ${ref}:${src.path}`,
  );
  const view = openContainerRoot(ctx.root, ctx.kernel, record, false);
  try {
    if (dest === "-") {
      writeOutput(
        undefined,
        (sink) => tarFromContainer(ctx.kernel, view, src.ref, src.path, sink, followLink),
      );
    } else {
      copyToHost(ctx.kernel, view, src.ref, src.path, absolute(dest), followLink);
    }
    recordEvent(ctx.root, "archive-path", eventSubject(record));
  } finally {
    view.close();
  }
}

/** The `cp` command. */
export const command: Command = {
  name: "cp",
  usage: "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\ncp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
  summary: "Copy files/folders between a container and the local filesystem",
  description: [
    "Use '-' as the source to read a tar archive from stdin",
    "and extract it to a directory destination in a container.",
    "Use '-' as the destination to stream a tar archive of a",
    "container source to stdout.",
  ].join("\n"),
  flags: [
    {
      long: "archive",
      short: "a",
      kind: "bool",
      help: "Archive mode (copy all uid/gid information)",
    },
    {
      long: "follow-link",
      short: "L",
      kind: "bool",
      help: "Always follow symbol link in SRC_PATH",
    },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, flags) {
    const [srcArg, destArg] = flags.positionals;
    const src = splitContainerPath(srcArg);
    const dest = splitContainerPath(destArg);
    if (src && dest) throw new UserError("copying between containers is not supported", 1);
    if (!src && !dest) throw new UserError("must specify at least one container source", 1);
    const followLink = flags.bools.has("follow-link");
    if (src) copyOut(ctx, src, destArg, followLink);
    else await copyIn(ctx, srcArg, dest!, followLink);
    return 0;
  },
};
