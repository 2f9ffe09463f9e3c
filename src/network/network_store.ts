/**
 * Network records: `<root>/networks/<name>.json`, one per network, created
 * and removed under the `networks` lock together with their kernel side
 * (through BridgeDriver), so a name is taken once and a subnet is never
 * handed to two networks.
 *
 * The default network `bridge` is made on first use; its subnet (like that
 * of any network created without `--subnet`) is the first /24 of
 * 172.30.0.0/15 that overlaps neither another dockergsh network nor a route
 * of the host (Docker's 172.17.0.0/16 is left alone).
 *
 * @module
 */

import { removeIfThere } from "../_fs.ts";
import { undoingSync } from "../_undo.ts";
import { UserError } from "../errors.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import { needsSpace } from "../store/disk_full.ts";
import { FULL_ID, newId } from "../store/ids.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { sweepAbandonedCreations, withCreationIntent } from "./_creation_intent.ts";
import { withHostLock } from "./_host_lock.ts";
import { hostIpv4Routes, linkExists } from "./host_network.ts";
import { checkNetworkName } from "./_name.ts";
import { BridgeDriver } from "./bridge_driver.ts";
import {
  type Cidr,
  cidrOverlaps,
  formatCidr,
  formatIpv4,
  mustParseIpv4,
  nthAddress,
  parseCidr,
} from "./cidr.ts";
import { BitmapIpam } from "./ipam.ts";

/** One network, as stored. */
export interface NetworkRecord {
  /** 64 hex digits. */
  id: string;
  name: string;
  driver: "bridge";
  /** IPv4 subnet, `a.b.c.d/n`. */
  subnet: string;
  gateway: string;
  /** The bridge device: `dgsh-` + 8 hex digits of the ID. */
  bridge: string;
  created: string;
}

/** What `network create` asks for. */
export interface NetworkSpec {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
}

/** The name of the default network. */
export const DEFAULT_NETWORK = "bridge";

/** Network modes that are not networks: the host's stack, or loopback only. */
const PSEUDO_NETWORKS = ["host", "none"];

/** Where subnets are picked from when none is given, one /24 at a time. */
const AUTO_POOL = parseCidr("172.30.0.0/15");
const AUTO_PREFIX = 24;

/** The widest subnet accepted: the IPAM bitmap of a /8 is 2 MB. */
const MIN_PREFIX = 8;

/** Network records of one state root. */
export class NetworkStore {
  readonly driver: BridgeDriver;

  constructor(readonly root: StateRoot) {
    this.driver = new BridgeDriver(root);
  }

  /**
   * Runs `fn` under this root's `networks` lock (names, records) and the
   * host-wide `network` lock (subnets, bridges and the shared iptables
   * chains are the same kernel's for every root), first removing what
   * killed creators left (src/network/_creation_intent.ts). A full disk
   * under the root is one NoSpaceError (creating needs space; removing does not).
   */
  private locked<T>(fn: () => T): T {
    return needsSpace(
      this.root,
      () =>
        withLock(this.root, "networks", () =>
          withHostLock("network", () => {
            sweepAbandonedCreations((net) => this.driver.removeNetwork(net));
            return fn();
          })),
    );
  }

  private recordPath(name: string): string {
    return `${this.root.networks}/${name}.json`;
  }

  /** Every network, by name. */
  list(): NetworkRecord[] {
    const out: NetworkRecord[] = [];
    try {
      for (const e of Deno.readDirSync(this.root.networks)) {
        if (!e.isFile || !e.name.endsWith(".json")) continue;
        const rec = readJson<NetworkRecord>(`${this.root.networks}/${e.name}`);
        if (rec) out.push(rec);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The network named `name`, or undefined (also for names that cannot exist). */
  get(name: string): NetworkRecord | undefined {
    try {
      checkNetworkName(name);
    } catch {
      return undefined;
    }
    return readJson<NetworkRecord>(this.recordPath(name));
  }

  /** Resolves a name, full ID or unique ID prefix, or throws Docker's "not found". */
  resolve(ref: string): NetworkRecord {
    const byName = this.get(ref);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(ref)) {
      const all = this.list();
      const exact = FULL_ID.test(ref) ? all.find((n) => n.id === ref) : undefined;
      if (exact) return exact;
      const matches = all.filter((n) => n.id.startsWith(ref));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) {
        throw new UserError(
          `dockergsh: Error response from daemon: network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`,
        );
      }
    }
    throw new UserError(`dockergsh: Error response from daemon: network ${ref} not found`);
  }

  /**
   * Creates a network and its bridge. Refused: a bad or taken name, a
   * driver other than bridge, a subnet overlapping another network or a
   * host route, a gateway outside the subnet. Nothing is left on failure.
   */
  create(spec: NetworkSpec): NetworkRecord {
    const driver = spec.driver ?? "bridge";
    if (driver !== "bridge") {
      throw new UserError(
        `dockergsh: Error response from daemon: plugin "${driver}" not found (only the bridge driver is supported)`,
      );
    }
    if (PSEUDO_NETWORKS.includes(spec.name)) {
      throw new UserError(
        `dockergsh: Error response from daemon: operation is not permitted on predefined ${spec.name} network`,
      );
    }
    checkNetworkName(spec.name);
    if (spec.gateway !== undefined && spec.subnet === undefined) {
      throw new UserError(
        "dockergsh: Error response from daemon: a gateway needs a subnet (--subnet) to belong to",
      );
    }
    const subnet = spec.subnet === undefined ? undefined : parseCidr(spec.subnet);
    if (subnet && subnet.prefix < MIN_PREFIX) {
      throw new UserError(
        `dockergsh: subnet ${spec.subnet} is too large: at most a /${MIN_PREFIX}`,
      );
    }
    if (spec.gateway !== undefined) mustParseIpv4(spec.gateway);
    return this.locked(() => {
      if (spec.name === DEFAULT_NETWORK || this.get(spec.name)) {
        throw new UserError(
          `dockergsh: Error response from daemon: network with name ${spec.name} already exists`,
        );
      }
      return this.make(spec.name, subnet, spec.gateway);
    });
  }

  /** Picks the subnet if needed, checks it, makes the kernel side, then the record. Under the lock. */
  private make(name: string, subnet: Cidr | undefined, gateway: string | undefined): NetworkRecord {
    const taken = [
      ...this.list().map((n) => ({ dst: parseCidr(n.subnet), what: `network ${n.name}` })),
      ...hostIpv4Routes().map((r) => ({
        dst: r.dst,
        what: `host route ${formatCidr(r.dst)}${r.dev ? ` dev ${r.dev}` : ""}`,
      })),
    ];
    if (subnet) {
      const clash = taken.find((t) => cidrOverlaps(t.dst, subnet));
      if (clash) {
        throw new UserError(
          `dockergsh: Error response from daemon: subnet ${
            formatCidr(subnet)
          } overlaps with ${clash.what}`,
        );
      }
    }
    const chosen = subnet ?? pickFreeSubnet(taken.map((t) => t.dst), name);
    const rec: NetworkRecord = {
      id: "",
      name,
      driver: "bridge",
      subnet: formatCidr(chosen),
      gateway: gateway ?? formatIpv4(nthAddress(chosen, 1)),
      bridge: "",
      created: new Date().toISOString(),
    };
    do {
      rec.id = newId();
      rec.bridge = `dgsh-${rec.id.slice(0, 8)}`;
    } while (linkExists(rec.bridge));
    const ipam = new BitmapIpam(this.root, rec); // validates the gateway against the subnet
    ipam.destroy(); // a stale pool of an earlier network of this name
    return withCreationIntent(rec, this.recordPath(name), () =>
      undoingSync((undo) => {
        this.driver.createNetwork(rec); // undoes itself when it fails
        undo.push(() => this.driver.removeNetwork(rec));
        Deno.mkdirSync(this.root.networks, { recursive: true, mode: 0o700 });
        writeJsonAtomic(this.recordPath(name), rec);
        return rec;
      }));
  }

  /**
   * Removes the network `name`: its bridge, its rules, its pool, its
   * hosts membership, its record. Refused while a running container is
   * attached to it: `runningOn` names those of a network, asked under the
   * lock (containers are the container layer's to know: removeNetwork in
   * src/container/container_network.ts passes them).
   */
  remove(name: string, runningOn: (network: string) => string[]): void {
    this.locked(() => {
      const rec = this.get(name);
      if (!rec) {
        throw new UserError(`dockergsh: Error response from daemon: network ${name} not found`);
      }
      const attached = runningOn(name);
      if (attached.length > 0) {
        throw new UserError(
          `dockergsh: Error response from daemon: error while removing network: network ${name} id ${rec.id} has active endpoints (${
            attached.join(", ")
          })`,
        );
      }
      this.driver.removeNetwork(rec);
      new BitmapIpam(this.root, rec).destroy();
      removeIfThere(hostsMembersPath(this.root, name));
      Deno.removeSync(this.recordPath(name));
    });
  }

  /**
   * The network `name` with its kernel side in place (re-made after a
   * reboot or a firewall flush). `bridge` is created on first use.
   * `savedRules`: the rules as `iptables-save` listed them a moment ago
   * (before this lock: what changed since is what a flush right after this
   * check would be, repaired at the next start); else they are listed now.
   */
  ready(name: string, savedRules?: string): NetworkRecord {
    return this.locked(() => {
      const rec = this.get(name);
      if (rec) {
        this.driver.ensureNetwork(rec, savedRules);
        return rec;
      }
      if (name === DEFAULT_NETWORK) return this.make(name, undefined, undefined);
      throw new UserError(`dockergsh: Error response from daemon: network ${name} not found`);
    });
  }
}

/** The first /24 of AUTO_POOL that overlaps nothing in `taken`. */
function pickFreeSubnet(taken: readonly Cidr[], name: string): Cidr {
  const count = 2 ** (AUTO_PREFIX - AUTO_POOL.prefix);
  for (let i = 0; i < count; i++) {
    const candidate = {
      network: AUTO_POOL.network + i * 2 ** (32 - AUTO_PREFIX),
      prefix: AUTO_PREFIX,
    };
    if (!taken.some((t) => cidrOverlaps(t, candidate))) return candidate;
  }
  throw new UserError(
    `dockergsh: no free /${AUTO_PREFIX} subnet left in ${
      formatCidr(AUTO_POOL)
    } for network ${name}; choose one with --subnet`,
  );
}

/**
 * Where the members of `network` are stored for its containers' /etc/hosts
 * (src/container/container_hosts.ts); removed with the network.
 */
export function hostsMembersPath(root: StateRoot, network: string): string {
  return `${root.networks}/hosts/${network}.json`;
}

/** The default network, created (with its bridge) on first use. */
export function ensureDefaultNetwork(root: StateRoot): NetworkRecord {
  return new NetworkStore(root).ready(DEFAULT_NETWORK);
}
