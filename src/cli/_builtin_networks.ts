/**
 * Docker's predefined networks `host` and `none`, which every engine has
 * and `network ls`/`inspect` show beside the bridge networks of the store:
 * no record on disk, an ID derived from the state root (stable for one
 * root, as a daemon's are), created when the state root was.
 *
 * @module
 */

import type { StateRoot } from "../store/paths.ts";

/** A predefined network: driver `host` or `null`. */
export interface BuiltinNetwork {
  id: string;
  name: "host" | "none";
  driver: "host" | "null";
  created: string;
}

/** sha256 hex of `text`. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `host` and `none` networks of `root`, by name. */
export async function builtinNetworks(root: StateRoot): Promise<BuiltinNetwork[]> {
  const stat = Deno.statSync(root.root);
  const created = (stat.birthtime ?? stat.mtime ?? new Date(0)).toISOString();
  return [
    { id: await sha256Hex(`${root.root}\0host`), name: "host", driver: "host", created },
    { id: await sha256Hex(`${root.root}\0none`), name: "none", driver: "null", created },
  ];
}

/** The inspect object of a predefined network, as Docker 20.10 prints it; `containers` those on it. */
export function inspectBuiltinNetwork(
  net: BuiltinNetwork,
  containers: Record<string, unknown>,
): Record<string, unknown> {
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: "local",
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: {},
    Labels: {},
  };
}
