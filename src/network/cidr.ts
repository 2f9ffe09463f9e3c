/**
 * IPv4 addresses and CIDR subnets as unsigned 32-bit numbers: parse, print,
 * containment, overlap, the n-th address of a subnet.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** An IPv4 subnet: its network address (host bits zero) and prefix length. */
export interface Cidr {
  network: number;
  prefix: number;
}

/** The IPv4 address `s` as a number, or undefined when `s` is not dotted-quad IPv4. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** The IPv4 address `s` as a number; a UserError when it is not one. */
export function mustParseIpv4(s: string): number {
  const n = parseIpv4(s);
  if (n === undefined) throw new UserError(`dockergsh: invalid IPv4 address: ${s}`);
  return n;
}

/** Dotted-quad text of the address `n`. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The netmask of `prefix` as a number (`/24` → 0xffffff00). */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/n`. Host bits must be zero (`10.0.0.1/24` is refused and
 * the subnet it probably meant is named), so a subnet has one spelling.
 */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf("/");
  const addr = slash < 0 ? undefined : parseIpv4(s.slice(0, slash));
  const prefixText = slash < 0 ? "" : s.slice(slash + 1);
  if (addr === undefined || !/^(0|[1-9][0-9]?)$/.test(prefixText) || Number(prefixText) > 32) {
    throw new UserError(`dockergsh: invalid CIDR address: ${s}`);
  }
  const prefix = Number(prefixText);
  const network = (addr & mask(prefix)) >>> 0;
  if (network !== addr) {
    throw new UserError(
      `dockergsh: invalid subnet ${s}: host bits are set (did you mean ${
        formatCidr({ network, prefix })
      }?)`,
    );
  }
  return { network, prefix };
}

/** `a.b.c.d/n` text of `c`. */
export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

/** How many addresses `c` spans (network and broadcast included). */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the address `ip` lies in `c`. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.network;
}

/** True when `a` and `b` share at least one address (one contains the other). */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  return ((a.network & mask(shorter)) >>> 0) === ((b.network & mask(shorter)) >>> 0);
}

/** The `n`-th address of `c` (0 is the network address); a RangeError past its end. */
export function nthAddress(c: Cidr, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n >= cidrSize(c)) {
    throw new RangeError(`address #${n} is outside ${formatCidr(c)}`);
  }
  return c.network + n;
}

/** The broadcast (last) address of `c`. */
export function broadcastAddress(c: Cidr): number {
  return c.network + cidrSize(c) - 1;
}
