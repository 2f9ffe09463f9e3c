/**
 * `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,…]`: Docker's
 * CSV syntax (fields may be quoted, `""` inside quotes is a quote), its key
 * names and spellings (`src`, `dst`, `destination`, `ro`), and its
 * errors, in its words: the CLI's for a malformed field, the daemon's for
 * a mount it cannot make.
 *
 * @module
 */

import { parseSize } from "../cgroup/units.ts";
import type { BindMount } from "../container/record.ts";
import { UserError } from "../errors.ts";
import { checkVolumeName } from "../volume/name.ts";
import { cleanPath } from "./run_flags.ts";

/** What one `--mount` asks for. */
export type MountRequest =
  | { kind: "bind" | "volume"; mount: BindMount; volumeLabels: Record<string, string> }
  | { kind: "tmpfs"; tmpfs: { destination: string; options: string[] } };

/** One CSV record (Go's encoding/csv rules for one line). */
function csvFields(spec: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= spec.length) {
    if (spec[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= spec.length) throw new Error('extraneous or missing " in quoted-field');
        if (spec[i] === '"') {
          if (spec[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += spec[i++];
      }
      if (i < spec.length && spec[i] !== ",") {
        throw new Error('extraneous or missing " in quoted-field');
      }
      fields.push(value);
      i++;
      continue;
    }
    const comma = spec.indexOf(",", i);
    const end = comma < 0 ? spec.length : comma;
    const value = spec.slice(i, end);
    if (value.includes('"')) throw new Error('bare " in non-quoted-field');
    fields.push(value);
    i = end + 1;
  }
  return fields;
}

/** Go's strconv.ParseBool. */
function parseBool(value: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  return undefined;
}

const KEYS = new Set([
  "type",
  "source",
  "src",
  "target",
  "destination",
  "dst",
  "readonly",
  "ro",
  "consistency",
  "bind-propagation",
  "bind-nonrecursive",
  "volume-opt",
  "volume-nocopy",
  "volume-label",
  "volume-driver",
  "tmpfs-size",
  "tmpfs-mode",
]);

/** Parses one `--mount` value. */
export function parseMount(spec: string): MountRequest {
  const flagError = (detail: string) =>
    new UserError(`invalid argument "${spec}" for "--mount" flag: ${detail}`);
  if (spec === "") throw flagError("EOF");
  let fields: string[];
  try {
    fields = csvFields(spec);
  } catch (err) {
    throw flagError((err as Error).message);
  }
  let type = "volume";
  let source = "";
  let target = "";
  let readOnly = false;
  let nocopy = false;
  let propagation: string | undefined;
  let nonRecursive = false;
  const volumeLabels: Record<string, string> = {};
  const tmpfsOptions: string[] = [];
  const used = new Set<string>();
  for (const field of fields) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (!KEYS.has(key)) throw flagError(`unexpected key '${key}' in '${field}'`);
    const boolValue = (name: string) => {
      if (value === undefined) return true;
      const b = parseBool(value);
      if (b === undefined) throw flagError(`invalid value for ${name}: ${value}`);
      return b;
    };
    if (
      value === undefined && !["readonly", "ro", "volume-nocopy", "bind-nonrecursive"].includes(key)
    ) {
      throw flagError(`invalid field '${field}' must be a key=value pair`);
    }
    used.add(key);
    switch (key) {
      case "type":
        type = value!.toLowerCase();
        break;
      case "source":
      case "src":
        source = value!;
        break;
      case "target":
      case "destination":
      case "dst":
        target = value!;
        break;
      case "readonly":
      case "ro":
        readOnly = boolValue(key);
        break;
      case "consistency":
        break; // Docker for Mac's; Linux ignores it.
      case "bind-propagation":
        propagation = value!;
        break;
      case "bind-nonrecursive":
        nonRecursive = boolValue(key);
        break;
      case "volume-opt":
        // The local driver's options mount a device or filesystem as the volume: not done here.
        throw new UserError(
          `dockergsh: --mount volume-opt=${value} is not supported (volumes are directories under the state root)`,
        );
      case "volume-nocopy":
        nocopy = boolValue(key);
        break;
      case "volume-label": {
        const at = value!.indexOf("=");
        volumeLabels[at < 0 ? value! : value!.slice(0, at)] = at < 0 ? "" : value!.slice(at + 1);
        break;
      }
      case "volume-driver":
        if (value !== "local") {
          throw new UserError(
            `dockergsh: Error response from daemon: volume driver ${value} is not supported: only "local" is`,
          );
        }
        break;
      case "tmpfs-size":
        tmpfsOptions.push(`size=${parseSize(value!, "--mount tmpfs-size")}`);
        break;
      case "tmpfs-mode":
        if (!/^[0-7]{1,4}$/.test(value!)) throw flagError(`invalid value for ${key}: ${value}`);
        tmpfsOptions.push(`mode=${value}`);
        break;
    }
  }
  if (target === "") throw flagError("target is required");
  const mixed = (prefix: string) => [...used].some((k) => k.startsWith(prefix));
  if (type !== "volume" && mixed("volume-")) {
    throw flagError(`cannot mix 'volume-*' options with mount type '${type}'`);
  }
  if (type !== "tmpfs" && mixed("tmpfs-")) {
    throw flagError(`cannot mix 'tmpfs-*' options with mount type '${type}'`);
  }
  if (type !== "bind" && (propagation !== undefined || used.has("bind-nonrecursive"))) {
    throw flagError(`cannot mix 'bind-*' options with mount type '${type}'`);
  }
  const daemonError = (detail: string) =>
    new UserError(
      `dockergsh: Error response from daemon: invalid mount config for type "${type}": ${detail}.`,
    );
  if (!["bind", "volume", "tmpfs"].includes(type)) throw daemonError("mount type unknown");
  const absolute = (path: string) => {
    if (!path.startsWith("/")) {
      throw daemonError(`invalid mount path: '${path}' mount path must be absolute`);
    }
    return cleanPath(path);
  };
  const destination = absolute(target);
  if (destination === "/") throw daemonError("invalid specification: destination can't be '/'");
  if (type === "tmpfs") {
    if (source !== "") throw daemonError("field Source must not be specified");
    return {
      kind: "tmpfs",
      tmpfs: { destination, options: [...(readOnly ? ["ro"] : []), ...tmpfsOptions] },
    };
  }
  if (type === "bind") {
    if (source === "") throw daemonError("field Source must not be empty");
    if (propagation !== undefined && propagation !== "rprivate" && propagation !== "private") {
      throw new UserError(
        `dockergsh: Error response from daemon: bind-propagation=${propagation} is not supported ` +
          "(the container's mounts are private to it)",
      );
    }
    const mount: BindMount = {
      source: absolute(source),
      destination,
      readOnly,
      mustExist: true,
      viaMountFlag: true,
      ...(nonRecursive ? { nonRecursive } : {}),
    };
    return { kind: "bind", mount, volumeLabels };
  }
  if (source !== "") checkVolumeName(source);
  const mount: BindMount = {
    source: "",
    destination,
    readOnly,
    copyUp: !nocopy,
    viaMountFlag: true,
    ...(source === "" ? { anonymous: true } : { volume: source }),
  };
  return { kind: "volume", mount, volumeLabels };
}
