/**
 * `--add-host NAME:IP` (the container's /etc/hosts) and `--dns`,
 * `--dns-search`, `--dns-option` (its resolv.conf), checked as Docker's CLI
 * checks them, with its words.
 *
 * @module
 */

import type { DnsConfig } from "../container/record.ts";
import { UserError } from "../errors.ts";
import { parseIpv4 } from "../network/cidr.ts";
import type { ParsedFlags } from "./flags.ts";

/** True for an IPv4 or IPv6 address as Go's net.ParseIP reads one (no brackets, no zone). */
function isIpAddress(s: string): boolean {
  if (parseIpv4(s) !== undefined) return true;
  if (!s.includes(":") || /[^0-9a-fA-F:.]/.test(s)) return false;
  try {
    new URL(`http://[${s}]/`); // the WHATWG parser checks IPv6 syntax
    return true;
  } catch {
    return false;
  }
}

/** `--add-host NAME:IP` → the `NAME:IP` line Docker keeps (the IP may be IPv6: `v6:::1`). */
export function parseAddHost(spec: string): string {
  const colon = spec.indexOf(":");
  const bad = (detail: string) =>
    new UserError(`invalid argument "${spec}" for "--add-host" flag: ${detail}`);
  if (colon <= 0) throw bad(`bad format for add-host: "${spec}"`);
  const ip = spec.slice(colon + 1);
  // Docker's special value, given the host's address at create (src/cli/_host_gateway.ts).
  if (ip === "host-gateway") return spec;
  if (!isIpAddress(ip)) throw bad(`invalid IP address in add-host: "${ip}"`);
  return spec;
}

/** The DNS settings of the flags, or undefined when none was given. */
export function dnsFromFlags(flags: ParsedFlags): DnsConfig | undefined {
  const servers = flags.lists.get("dns") ?? [];
  const search = flags.lists.get("dns-search") ?? [];
  const options = [...(flags.lists.get("dns-option") ?? []), ...(flags.lists.get("dns-opt") ?? [])];
  for (const s of servers) {
    if (!isIpAddress(s)) {
      throw new UserError(`invalid argument "${s}" for "--dns" flag: ${s} is not an ip address`);
    }
  }
  for (const s of servers) {
    if (/^127\./.test(s) || s === "::1") {
      console.error(`WARNING: Localhost DNS setting (--dns=${s}) may fail in containers.`);
    }
  }
  if (servers.length + search.length + options.length === 0) return undefined;
  return { servers, search, options };
}
