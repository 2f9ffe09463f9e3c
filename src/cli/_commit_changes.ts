/**
 * `commit -c/--change`: the Dockerfile instructions that make sense for an
 * image here: CMD (exec form `["a","b"]` or shell form), ENV (`K=V …` or
 * `K V`), USER and WORKDIR (absolute).
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
    help: "Apply a Dockerfile instruction to the image: CMD, ENV, USER or WORKDIR",
  },
];

function badChange(change: string, why: string): UserError {
  return new UserError(`dockergsh: invalid --change "${change}": ${why}`);
}

function parseCmd(change: string, arg: string): string[] {
  if (!arg.startsWith("[")) return ["/bin/sh", "-c", arg];
  let parsed: unknown;
  try {
    parsed = JSON.parse(arg);
  } catch {
    throw badChange(change, 'the exec form is a JSON array of strings, e.g. CMD ["ls", "-l"]');
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string")) {
    throw badChange(change, 'the exec form is a JSON array of strings, e.g. CMD ["ls", "-l"]');
  }
  return parsed;
}

/** `K=V K2="v 2"` or the legacy `K V…`. */
function parseEnv(change: string, arg: string): string[] {
  if (!/^[^\s=]+=/.test(arg)) {
    const m = /^(\S+)\s+(.*)$/.exec(arg);
    if (!m) throw badChange(change, "ENV needs KEY=VALUE or KEY VALUE");
    return [`${m[1]}=${m[2]}`];
  }
  const out: string[] = [];
  const pair = /\s*([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/y;
  let pos = 0;
  while (pos < arg.length) {
    pair.lastIndex = pos;
    const m = pair.exec(arg);
    if (!m) throw badChange(change, "ENV needs KEY=VALUE pairs");
    out.push(`${m[1]}=${m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[2]}`);
    pos = pair.lastIndex;
    if (arg.slice(pos).trim() === "") break;
  }
  return out;
}

/** `config` with each `--change` instruction applied in order. */
export function applyChanges(config: ImageConfig, changes: readonly string[]): ImageConfig {
  let next: ImageConfig = { ...config };
  for (const change of changes) {
    const m = /^\s*(\w+)\s+(.*?)\s*$/s.exec(change);
    if (!m) throw badChange(change, "expected INSTRUCTION ARGUMENTS");
    const [, word, arg] = m;
    switch (word.toUpperCase()) {
      case "CMD":
        next = { ...next, cmd: parseCmd(change, arg) };
        break;
      case "ENV": {
        let env = [...(next.env ?? [])];
        for (const kv of parseEnv(change, arg)) {
          const key = kv.slice(0, kv.indexOf("=") + 1);
          env = [...env.filter((e) => !e.startsWith(key)), kv];
        }
        next = { ...next, env };
        break;
      }
      case "USER":
        if (arg === "" || arg.includes(" ")) {
          throw badChange(change, "USER needs NAME|UID[:GROUP|GID]");
        }
        next = { ...next, user: arg };
        break;
      case "WORKDIR":
        if (!arg.startsWith("/")) throw badChange(change, "WORKDIR must be an absolute path");
        next = { ...next, workingDir: arg };
        break;
      default:
        throw badChange(change, `${word} is not supported (CMD, ENV, USER and WORKDIR are)`);
    }
  }
  return next;
}
