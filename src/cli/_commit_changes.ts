/**
 * `commit -c/--change` (and `import -c`): the Dockerfile instructions
 * Docker's daemon takes there, in its words for a bad one (exit 1).
 *
 * @module
 */

import type { ImageConfig } from "../image/store.ts";
import { UserError } from "../errors.ts";
import type { FlagSpec } from "./flags.ts";

/** `-m/--message` and `-c/--change`, shared by `commit` and `import`. */
export const IMAGE_CHANGE_FLAGS: FlagSpec[] = [
  { long: "message", short: "m", kind: "string", help: "Commit message" },
  {
    long: "change",
    short: "c",
    kind: "list",
    help: "Apply Dockerfile instruction to the created image",
  },
];

/** Docker's daemon words for a bad `--change`: exit 1. */
function badChange(why: string): UserError {
  return new UserError(`Error response from daemon: ${why}`, 1);
}

/** The JSON (exec) form `["a","b"]`, or undefined when `arg` is in the shell form. */
function execForm(arg: string): string[] | undefined {
  if (!arg.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(arg);
    if (Array.isArray(parsed) && parsed.every((s) => typeof s === "string")) return parsed;
  } catch {
    // Docker takes what is not a JSON array of strings as the shell form.
  }
  return undefined;
}

/** CMD/ENTRYPOINT: the exec form as given, else `/bin/sh -c ARG` (Docker: `CMD` alone too). */
function commandOf(arg: string): string[] {
  return execForm(arg) ?? ["/bin/sh", "-c", ...(arg === "" ? [] : [arg])];
}

/** The words of `arg`, a `"…"` word unquoted (Dockerfile's KEY=VALUE lists). */
function words(arg: string): string[] {
  return [...arg.matchAll(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g)].map((m) =>
    m[0].replace(/"((?:[^"\\]|\\.)*)"/g, (_, q: string) => q.replace(/\\(.)/g, "$1"))
  );
}

/** `K=V K2="v 2"`, or the legacy `K V…`; `what` names the instruction in errors. */
function keyValues(what: string, arg: string): Array<[string, string]> {
  if (arg === "") throw badChange(`${what} requires at least one argument`);
  if (!/^[^\s=]+=/.test(arg)) {
    const m = /^(\S+)\s+(.*)$/s.exec(arg);
    if (!m) throw badChange(`${what} must have two arguments`);
    return [[m[1], m[2]]];
  }
  return words(arg).map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) {
      throw badChange(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    }
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** `80`, `80/udp`, `8000-8001/tcp` → ExposedPorts keys. */
function exposedPorts(arg: string): string[] {
  return arg.split(/\s+/).filter((p) => p !== "").flatMap((spec) => {
    const [range, proto = "tcp"] = spec.split("/");
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) throw badChange(`Invalid containerPort: ${range}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    return Array.from(
      { length: last - first + 1 },
      (_, i) => `${first + i}/${proto.toLowerCase()}`,
    );
  });
}

/** The absolute directory WORKDIR `arg` makes of `current` (a relative one is joined to it). */
function workdir(current: string | undefined, arg: string): string {
  const joined = arg.startsWith("/") ? arg : `${current || "/"}/${arg}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * `config` with each `--change` instruction applied in order, as Docker's
 * daemon applies them: CMD, ENTRYPOINT (which clears CMD), ENV, EXPOSE,
 * LABEL, ONBUILD, USER, VOLUME and WORKDIR.
 */
export function applyChanges(config: ImageConfig, changes: readonly string[]): ImageConfig {
  let next: ImageConfig = { ...config };
  for (const change of changes) {
    const m = /^\s*(\S+)\s*(.*?)\s*$/s.exec(change);
    if (!m) continue;
    const [, word, arg] = m;
    switch (word.toUpperCase()) {
      case "CMD":
        next = { ...next, cmd: commandOf(arg) };
        break;
      case "ENTRYPOINT":
        next = { ...next, entrypoint: commandOf(arg), cmd: undefined };
        break;
      case "ENV": {
        let env = [...(next.env ?? [])];
        for (const [key, value] of keyValues("ENV", arg)) {
          env = [...env.filter((e) => !e.startsWith(`${key}=`)), `${key}=${value}`];
        }
        next = { ...next, env };
        break;
      }
      case "EXPOSE": {
        const ports = { ...next.exposedPorts };
        for (const port of exposedPorts(arg)) ports[port] = {};
        next = { ...next, exposedPorts: ports };
        break;
      }
      case "LABEL": {
        const labels = { ...next.labels };
        for (const [key, value] of keyValues("LABEL", arg)) labels[key] = value;
        next = { ...next, labels };
        break;
      }
      case "ONBUILD":
        next = { ...next, onBuild: [...(next.onBuild ?? []), arg] };
        break;
      case "USER":
        if (arg === "" || /\s/.test(arg)) throw badChange("USER requires exactly one argument");
        next = { ...next, user: arg };
        break;
      case "VOLUME": {
        const paths = execForm(arg) ?? arg.split(/\s+/).filter((p) => p !== "");
        if (paths.length === 0) throw badChange("VOLUME requires at least one argument");
        const volumes = { ...next.volumes };
        for (const path of paths) volumes[path] = {};
        next = { ...next, volumes };
        break;
      }
      case "WORKDIR":
        if (arg === "") throw badChange("WORKDIR requires exactly one argument");
        next = { ...next, workingDir: workdir(next.workingDir, arg) };
        break;
      default:
        throw badChange(`${word.toLowerCase()} is not a valid change command`);
    }
  }
  return next;
}
