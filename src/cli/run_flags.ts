/**
 * Parsing of `run`'s container flags: `-v/--volume`, `-e/--env`,
 * `--env-file`, `-l/--label` and `--label-file`, each in Docker's syntax
 * and with Docker's words for a bad one. (`--mount` is parsed in
 * mount_flag.ts, `--add-host`/`--dns*` in hosts_flags.ts, `--restart` and
 * `--stop-*` in lifecycle_flags.ts, resource flags in resource_flags.ts,
 * network flags in network_flags.ts.)
 *
 * @module
 */

import type { BindMount } from "../container/record.ts";
import { UserError } from "../errors.ts";
import { checkVolumeName } from "../volume/name.ts";

/** Normalises an absolute path: no `.`, `..` or repeated slashes. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const c of p.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") out.pop();
    else out.push(c);
  }
  return "/" + out.join("/");
}

/** `-v` modes Docker accepts; `z`/`Z` (SELinux labels) mean nothing without SELinux. */
const VOLUME_MODES = new Set(["ro", "rw", "z", "Z", "nocopy"]);

/** `mode` of `-v …:mode` (comma-separated): read-only and nocopy, or Docker's error. */
function volumeMode(mode: string): { readOnly: boolean; nocopy: boolean } {
  const parts = mode.split(",");
  const access = parts.filter((p) => p === "ro" || p === "rw");
  if (parts.some((p) => !VOLUME_MODES.has(p)) || access.length > 1) {
    throw new UserError(`dockergsh: Error response from daemon: invalid mode: ${mode}.`);
  }
  return { readOnly: access[0] === "ro", nocopy: parts.includes("nocopy") };
}

/**
 * `-v HOST:CONTAINER[:MODE]` → a bind mount; `-v NAME:CONTAINER[:MODE]` →
 * a named volume; `-v CONTAINER` → an anonymous volume. A volume's source
 * is filled in at create, once its directory is known.
 */
export function parseVolume(spec: string): BindMount {
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) {
    throw new UserError(
      `dockergsh: Error response from daemon: invalid volume specification: '${spec}'.`,
    );
  }
  if (parts.length === 1) {
    return {
      ...volumeTarget(spec, spec, "volume"),
      source: "",
      readOnly: false,
      anonymous: true,
      copyUp: true,
    };
  }
  const [source, destination, mode = "rw"] = parts;
  const isBind = source.startsWith("/");
  const { destination: dest } = volumeTarget(spec, destination, isBind ? "bind" : "volume");
  const { readOnly, nocopy } = volumeMode(mode);
  if (isBind) {
    if (nocopy) {
      throw new UserError(`dockergsh: Error response from daemon: invalid mode: ${mode}.`);
    }
    return { source: cleanPath(source), destination: dest, readOnly };
  }
  checkVolumeName(source);
  return { source: "", destination: dest, readOnly, volume: source, copyUp: !nocopy };
}

/** The container path of a `-v`, cleaned, or Docker's error for a relative one or `/`. */
function volumeTarget(spec: string, destination: string, type: string): { destination: string } {
  const why = (detail: string) =>
    new UserError(
      `dockergsh: Error response from daemon: invalid volume specification: '${spec}': ` +
        `invalid mount config for type "${type}": ${detail}.`,
    );
  if (!destination.startsWith("/")) {
    throw why(`invalid mount path: '${destination}' mount path must be absolute`);
  }
  const dest = cleanPath(destination);
  if (dest === "/") throw why("invalid specification: destination can't be '/'");
  return { destination: dest };
}

/** `-e K=V` as given; `-e K` takes K's value from dockergsh's own environment, like Docker. */
export function parseEnv(spec: string): string | undefined {
  if (spec === "" || spec.startsWith("=")) {
    throw new UserError(`invalid environment variable: ${spec}`);
  }
  if (spec.includes("=")) return spec;
  const value = Deno.env.get(spec);
  return value === undefined ? undefined : `${spec}=${value}`;
}

/** The text of a flag's file, or Docker's one line when it cannot be read. */
function readFlagFile(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(`dockergsh: open ${path}: no such file or directory.`);
    }
    if (err instanceof Deno.errors.IsADirectory) {
      throw new UserError(`dockergsh: read ${path}: is a directory.`);
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new UserError(`dockergsh: open ${path}: permission denied.`);
    }
    throw err;
  }
}

/**
 * The `KEY[=VALUE]` lines of an env or label file, Docker's way: a
 * line's leading whitespace goes, a line ending's `\r` goes, empty lines
 * and `#` comments are skipped, the value is kept as written (trailing
 * spaces too). A key with whitespace in it is an error.
 */
function keyValueLines(path: string): Array<{ key: string; value?: string; line: string }> {
  const out: Array<{ key: string; value?: string; line: string }> = [];
  for (const raw of readFlagFile(path).split("\n")) {
    const line = raw.replace(/\r$/, "").replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === "") {
      throw new UserError(
        `dockergsh: poorly formatted environment: no variable name on line '${line}'.`,
      );
    }
    if (/\s/.test(key)) {
      throw new UserError(
        `dockergsh: poorly formatted environment: variable '${key}' contains whitespaces.`,
      );
    }
    out.push({ key, value: eq < 0 ? undefined : line.slice(eq + 1), line });
  }
  return out;
}

/**
 * `--env-file FILE`: its variables in order; a bare `KEY` takes KEY's value
 * from dockergsh's own environment (left out when it has none), as Docker.
 */
export function readEnvFile(path: string): string[] {
  const out: string[] = [];
  for (const { key, value } of keyValueLines(path)) {
    if (value !== undefined) out.push(`${key}=${value}`);
    else if (Deno.env.get(key) !== undefined) out.push(`${key}=${Deno.env.get(key)}`);
  }
  return out;
}

/** `-l KEY[=VALUE]`: a label (an empty value without `=`), or Docker's error for no key. */
function parseLabel(spec: string): [string, string] {
  const eq = spec.indexOf("=");
  const key = eq < 0 ? spec : spec.slice(0, eq);
  if (key === "") {
    throw new UserError(
      `invalid argument "${spec}" for "-l, --label" flag: invalid label '${spec}': empty name`,
    );
  }
  return [key, eq < 0 ? "" : spec.slice(eq + 1)];
}

/**
 * The labels of `--label-file` files, then of `-l` flags (a flag's wins),
 * as Docker merges them. In a file, a line without `=` is skipped (Docker
 * does the same).
 */
export function labelsFrom(
  files: readonly string[],
  flags: readonly string[],
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const file of files) {
    for (const { key, value } of keyValueLines(file)) if (value !== undefined) labels[key] = value;
  }
  for (const spec of flags) {
    const [key, value] = parseLabel(spec);
    labels[key] = value;
  }
  return labels;
}
