/**
 * The engine's side of the one contract with the runtime: a container's
 * runtime-spec configuration written as an OCI bundle,
 * `<container dir>/bundle/config.json` (root-only, written atomically,
 * anew at every start), and read back as the runtime reads any bundle, so
 * what the init runs is what the file says.
 *
 * @module
 */

import { debug } from "../debug.ts";
import type { Spec } from "../oci/spec.ts";
import { type Bundle, loadBundle } from "../runtime/bundle.ts";
import { writeFileAtomic } from "../store/atomic.ts";

/** Writes `spec` as `<dir>/config.json` and loads the bundle the runtime will run. */
export function writeBundle(dir: string, spec: Spec): Bundle {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Not fsync'd: it is written anew before every start, and only that start reads it.
  writeFileAtomic(`${dir}/config.json`, JSON.stringify(spec, null, 2) + "\n", { durable: false });
  debug("start", `OCI bundle written: ${dir}/config.json`);
  return loadBundle(dir);
}
