/**
 * IPv4 address management for one network: a bitmap with one bit per
 * address of the subnet, stored at `<root>/networks/ipam/<network>.json`.
 * Every change is a read-modify-write under the cross-process lock
 * `ipam-<network>` and lands with an atomic rename, so concurrent `run`s get
 * distinct addresses and a killed process leaves the old file or the new one.
 *
 * The bitmap is stored as base64 of its bytes with the trailing zero bytes
 * cut: addresses are handed out lowest first, so the file grows with the
 * number of containers, not with the subnet (a full /16 is 11 KB).
 *
 * @module
 */

import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { checkNetworkName } from "./_name.ts";
import {
  broadcastAddress,
  type Cidr,
  cidrContains,
  cidrSize,
  formatCidr,
  formatIpv4,
  mustParseIpv4,
  parseCidr,
} from "./cidr.ts";

/**
 * How long a fresh allocation is protected from `reconcile`: the time a
 * start may take between allocating an address and recording it in the
 * container record, with a wide margin.
 */
const RECONCILE_GRACE_MS = 60_000;

/** No address is left in the pool. */
export class IpamExhaustedError extends UserError {}

/** The address pool of one network. */
export interface IpamPool {
  /** Network name (validated: it becomes a file name). */
  name: string;
  /** IPv4 subnet, `a.b.c.d/n` with n ≤ 30. */
  subnet: string;
  /** The gateway address, inside the subnet; never handed out. */
  gateway: string;
}

/** The stored form. */
interface IpamFile {
  subnet: string;
  gateway: string;
  /** base64 of the bitmap bytes, trailing zero bytes cut; bit i (MSB first) = address #i. */
  bitmap: string;
  /** Addresses allocated in the last RECONCILE_GRACE_MS, with their time (ms since epoch). */
  recent: Record<string, number>;
}

/** Where the IPAM state of `network` lives under `root`. */
export function ipamPath(root: StateRoot, network: string): string {
  return `${root.networks}/ipam/${network}.json`;
}

function encode(bits: Uint8Array): string {
  let end = bits.length;
  while (end > 0 && bits[end - 1] === 0) end--;
  let bin = "";
  for (let i = 0; i < end; i += 0x8000) {
    bin += String.fromCharCode(...bits.subarray(i, Math.min(end, i + 0x8000)));
  }
  return btoa(bin);
}

function decode(text: string, byteLength: number): Uint8Array {
  const bin = atob(text);
  const bits = new Uint8Array(byteLength);
  for (let i = 0; i < bin.length && i < byteLength; i++) bits[i] = bin.charCodeAt(i);
  return bits;
}

/** The in-memory bitmap of one read-modify-write. */
class Bitmap {
  constructor(readonly bits: Uint8Array) {}
  get(i: number): boolean {
    return (this.bits[i >> 3] & (0x80 >> (i & 7))) !== 0;
  }
  set(i: number, on: boolean): void {
    if (on) this.bits[i >> 3] |= 0x80 >> (i & 7);
    else this.bits[i >> 3] &= ~(0x80 >> (i & 7));
  }
}

/** Bitmap IPAM of one network. */
export class BitmapIpam {
  private readonly cidr: Cidr;
  private readonly gatewayIndex: number;
  private readonly path: string;

  constructor(private readonly root: StateRoot, private readonly pool: IpamPool) {
    checkNetworkName(pool.name);
    this.cidr = parseCidr(pool.subnet);
    if (this.cidr.prefix > 30) {
      throw new UserError(
        `dockergsh: subnet ${pool.subnet} is too small: a network needs at least a /30`,
      );
    }
    const gw = mustParseIpv4(pool.gateway);
    this.gatewayIndex = gw - this.cidr.network;
    if (!cidrContains(this.cidr, gw) || this.isEdge(this.gatewayIndex)) {
      throw new UserError(
        `dockergsh: gateway ${pool.gateway} is not a usable address of subnet ${pool.subnet}`,
      );
    }
    this.path = ipamPath(root, pool.name);
  }

  /** Network or broadcast address. */
  private isEdge(index: number): boolean {
    return index === 0 || index === cidrSize(this.cidr) - 1;
  }

  private isReserved(index: number): boolean {
    return this.isEdge(index) || index === this.gatewayIndex;
  }

  /** Runs `fn` on the current bitmap under the lock, then stores what it left. */
  private update<T>(fn: (map: Bitmap, recent: Record<string, number>) => T): T {
    return withLock(this.root, `ipam-${this.pool.name}`, () => {
      const byteLength = Math.ceil(cidrSize(this.cidr) / 8);
      const stored = this.readStored();
      const same = stored?.subnet === this.pool.subnet && stored.gateway === this.pool.gateway;
      if (stored && !same) {
        debug(
          "ipam",
          `${this.path} describes ${stored.subnet}; starting afresh for ${this.pool.subnet}`,
        );
      }
      const map = new Bitmap(same ? decode(stored.bitmap, byteLength) : new Uint8Array(byteLength));
      const now = Date.now();
      const recent: Record<string, number> = {};
      for (const [ip, at] of Object.entries(same ? stored.recent ?? {} : {})) {
        if (now - at < RECONCILE_GRACE_MS) recent[ip] = at;
      }
      const result = fn(map, recent);
      Deno.mkdirSync(`${this.root.networks}/ipam`, { recursive: true, mode: 0o700 });
      const file: IpamFile = {
        subnet: this.pool.subnet,
        gateway: this.pool.gateway,
        bitmap: encode(map.bits),
        recent,
      };
      // Not fsynced: every address it records belongs to a veth, which no
      // power cut survives. The rename still shows the old bitmap or the
      // new one; after a power cut, an older one may mark addresses of
      // containers that died with the kernel (reconcile frees them) or miss
      // ones they held, and a file the cut left unreadable starts afresh.
      writeJsonAtomic(this.path, file, { durable: false });
      return result;
    });
  }

  /**
   * The stored bitmap file, or undefined when there is none or a power cut
   * left it unreadable (see update: not fsynced).
   */
  private readStored(): IpamFile | undefined {
    try {
      return readJson<IpamFile>(this.path);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      debug("ipam", `${this.path} is unreadable (${err.message}); starting afresh`);
      return undefined;
    }
  }

  /** The index of `ip` in the subnet, or a UserError when it is not in it. */
  private indexOf(ip: string): number {
    const n = mustParseIpv4(ip);
    if (!cidrContains(this.cidr, n)) {
      throw new UserError(
        `dockergsh: requested IP address ${ip} is not in subnet ${
          formatCidr(this.cidr)
        } of network ${this.pool.name}`,
      );
    }
    return n - this.cidr.network;
  }

  /**
   * The index of `requested` (`--ip`); a UserError when it is outside the
   * subnet or reserved. Whether it is free is only known when allocating.
   */
  checkRequest(requested: string): number {
    const index = this.indexOf(requested);
    if (this.isReserved(index)) {
      throw new UserError(
        `dockergsh: requested IP address ${requested} is reserved on network ${this.pool.name} (network, gateway or broadcast address)`,
      );
    }
    return index;
  }

  /**
   * Hands out `requested` (`--ip`) if it is in the subnet, not reserved and
   * free; otherwise the lowest free address. Throws a UserError when none is left.
   */
  allocate(requested?: string): string {
    const wanted = requested === undefined ? undefined : this.checkRequest(requested);
    return this.update((map, recent) => {
      let index = wanted;
      if (index !== undefined && map.get(index)) {
        throw new UserError(
          `dockergsh: Error response from daemon: Address already in use: ${requested} on network ${this.pool.name}`,
        );
      }
      if (index === undefined) {
        const size = cidrSize(this.cidr);
        for (let i = 1; i < size - 1; i++) {
          if (!map.get(i) && i !== this.gatewayIndex) {
            index = i;
            break;
          }
        }
      }
      if (index === undefined) {
        throw new IpamExhaustedError(
          `dockergsh: no available IPv4 addresses on network ${this.pool.name} (${this.pool.subnet})`,
        );
      }
      map.set(index, true);
      const ip = formatIpv4(this.cidr.network + index);
      recent[ip] = Date.now();
      debug("ipam", `${this.pool.name}: allocated ${ip}`);
      return ip;
    });
  }

  /**
   * Returns `ip` to the pool. Releasing a free address is a no-op. Not
   * fsynced, as no change of the bitmap is (update): two fsyncs off every
   * exit on a network, ~10 ms measured on a busy disk.
   */
  release(ip: string): void {
    const index = this.indexOf(ip);
    if (this.isReserved(index)) return;
    this.update((map, recent) => {
      map.set(index, false);
      delete recent[ip];
      debug("ipam", `${this.pool.name}: released ${ip}`);
    });
  }

  /**
   * Frees every allocated address not in `liveIps` (leaked by a process that
   * died between allocating and recording), except those allocated in the
   * last minute, which may belong to a start still under way. Returns the
   * freed addresses.
   */
  reconcile(liveIps: Iterable<string>): string[] {
    const live = new Set(liveIps);
    return this.update((map, recent) => {
      const freed: string[] = [];
      const size = cidrSize(this.cidr);
      for (let i = 1; i < size - 1; i++) {
        if (!map.get(i)) continue;
        const ip = formatIpv4(this.cidr.network + i);
        if (live.has(ip) || ip in recent) continue;
        map.set(i, false);
        freed.push(ip);
      }
      if (freed.length > 0) debug("ipam", `${this.pool.name}: reclaimed ${freed.join(", ")}`);
      return freed;
    });
  }

  /** The addresses handed out, lowest first. */
  allocated(): string[] {
    const stored = this.readStored();
    if (stored?.subnet !== this.pool.subnet || stored.gateway !== this.pool.gateway) return [];
    const map = new Bitmap(decode(stored.bitmap, Math.ceil(cidrSize(this.cidr) / 8)));
    const out: string[] = [];
    for (let i = 1; i < broadcastAddress(this.cidr) - this.cidr.network; i++) {
      if (map.get(i)) out.push(formatIpv4(this.cidr.network + i));
    }
    return out;
  }

  /** Deletes the stored state (the network is being removed). */
  destroy(): void {
    withLock(this.root, `ipam-${this.pool.name}`, () => {
      try {
        Deno.removeSync(this.path);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    });
  }
}
