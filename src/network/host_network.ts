/**
 * Reads of the host's network state: `ip -j` (JSON, never the human
 * output), or sysfs where it answers without a process.
 *
 * @module
 */

import { ipJson } from "./_exec.ts";
import { type Cidr, parseCidr } from "./cidr.ts";

/** Interface names the kernel accepts (IFNAMSIZ - 1 characters, no "/" or space). */
const IFNAME = /^[A-Za-z0-9_.@-]{1,15}$/;

/**
 * True when the network device `name` exists in the host's namespace. Read
 * from /sys/class/net (the host's sysfs lists the host namespace's
 * devices) rather than by running `ip`: this is asked on every start and
 * release, and a process costs milliseconds.
 */
export function linkExists(name: string): boolean {
  if (!IFNAME.test(name)) throw new Error(`invalid network device name ${JSON.stringify(name)}`);
  try {
    Deno.lstatSync(`/sys/class/net/${name}`);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
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
