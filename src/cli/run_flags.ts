/**
 * Parsing of `run`'s container flags: `-v/--volume` and `-e/--env`.
 * (Resource flags are parsed in resource_flags.ts, network flags in
 * network_flags.ts.)
 *
 * @module
 */

import type { BindMount } from "../container/record.ts";
import { UserError } from "../errors.ts";

/** Normalises an absolute path: no `.`, `..` or repeated slashes. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const c of p.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") out.pop();
    else out.push(c);
  }
  return "/" + out.join("/");
}

/** `-v HOST:CONTAINER[:ro|rw]` → a bind mount. Host and container paths must be absolute. */
export function parseVolume(spec: string): BindMount {
  const parts = spec.split(":");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new UserError(`invalid volume specification: '${spec}'`);
  }
  const [source, destination, mode = "rw"] = parts;
  if (mode !== "ro" && mode !== "rw") {
    throw new UserError(`invalid mode: ${mode} in volume specification: '${spec}'`);
  }
  if (!source.startsWith("/")) {
    throw new UserError(
      `invalid volume specification: '${spec}': host path must be absolute (named volumes are not supported)`,
    );
  }
  if (!destination.startsWith("/")) {
    throw new UserError(
      `invalid volume specification: '${spec}': mount path must be absolute`,
    );
  }
  const dest = cleanPath(destination);
  if (dest === "/") {
    throw new UserError(`invalid volume specification: '${spec}': destination can't be '/'`);
  }
  return { source: cleanPath(source), destination: dest, readOnly: mode === "ro" };
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
