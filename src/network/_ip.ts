/**
 * Reads of the host's network state through `ip -j` (JSON, never the human
 * output).
 *
 * @module
 */

import { ipJson, tryExec } from "./_exec.ts";
import { type Cidr, parseCidr } from "./cidr.ts";

/** True when the network device `name` exists in the host's namespace. */
export function linkExists(name: string): boolean {
  return tryExec("ip", ["-j", "link", "show", "dev", name]).code === 0;
}

/** One route of `ip -j route`. */
interface RouteJson {
  dst: string;
  dev?: string;
}

/** Every IPv4 destination the host routes (all tables), except the default route. */
export function hostIpv4Routes(): { dst: Cidr; dev?: string }[] {
  return ipJson<RouteJson>(["-4", "route", "show", "table", "all"])
    .filter((r) => r.dst !== "default")
    .map((r) => ({ dst: parseCidr(r.dst.includes("/") ? r.dst : `${r.dst}/32`), dev: r.dev }));
}
