/**
 * The bridge network driver, through the host's `ip` and `iptables`:
 *
 * - a network is a Linux bridge holding the gateway address, NAT for its
 *   subnet (MASQUERADE out of any other device), FORWARD accepts in and out
 *   of the bridge, and isolation from the other dockergsh bridges (two
 *   chains, as Docker does: traffic entering from one of our bridges and
 *   leaving by another of ours is dropped);
 * - a container joins through a veth pair: the host end on the bridge, the
 *   other end created directly inside the container's network namespace as
 *   `eth0`, with its address, its MAC derived from the address (Docker's
 *   02:42:… scheme), and a default route through the gateway;
 * - published ports are DNAT rules (from outside: PREROUTING; from the host
 *   itself, 127.0.0.1 included: OUTPUT, with `route_localnet` and a
 *   MASQUERADE of 127.0.0.0/8 onto the bridge).
 *
 * Rules carry the comment `dockergsh:<bridge>` for a network and
 * `dockergsh:<12-hex container id>` for a container's ports.
 *
 * @module
 */

import type { NetworkEndpoint, PortMapping } from "../container/record.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { ipBatch, tryExec } from "./_exec.ts";
import {
  allTaggedRules,
  chainLength,
  deleteChain,
  deleteTagged,
  ensureChain,
  ensureRule,
  type Table,
  taggedRules,
} from "./_iptables.ts";
import { linkExists } from "./_ip.ts";
import { parseCidr, parseIpv4 } from "./cidr.ts";
import { BitmapIpam } from "./ipam.ts";
import type { NetworkRecord } from "./network_store.ts";

/** Chain 1: traffic from one of our bridges to anywhere else goes to chain 2. */
const ISOLATION_1 = "DOCKERGSH-ISOLATION-1";
/** Chain 2: … and is dropped if it leaves through another of our bridges. */
const ISOLATION_2 = "DOCKERGSH-ISOLATION-2";
/** Tag of the FORWARD jump into ISOLATION_1, shared by all networks. */
const ISOLATION_TAG = "isolation";

/** One tagged rule a network needs. */
interface RuleSpec {
  table: Table;
  chain: string;
  spec: string[];
}

/** The rules of network `net`, in the order they are added. */
function networkRules(net: NetworkRecord): RuleSpec[] {
  const br = net.bridge;
  return [
    {
      table: "nat",
      chain: "POSTROUTING",
      spec: ["-s", net.subnet, "!", "-o", br, "-j", "MASQUERADE"],
    },
    {
      table: "nat",
      chain: "POSTROUTING",
      spec: ["-s", "127.0.0.0/8", "-o", br, "-j", "MASQUERADE"],
    },
    { table: "filter", chain: "FORWARD", spec: ["-i", br, "-o", br, "-j", "ACCEPT"] },
    { table: "filter", chain: "FORWARD", spec: ["-i", br, "!", "-o", br, "-j", "ACCEPT"] },
    {
      table: "filter",
      chain: "FORWARD",
      spec: ["-o", br, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
    },
    { table: "filter", chain: ISOLATION_1, spec: ["-i", br, "!", "-o", br, "-j", ISOLATION_2] },
    { table: "filter", chain: ISOLATION_2, spec: ["-o", br, "-j", "DROP"] },
  ];
}

/** Writes a sysctl under /proc/sys. */
function sysctl(path: string, value: string): void {
  debug("network", `sysctl ${path}=${value}`);
  Deno.writeTextFileSync(`/proc/sys/${path}`, value);
}

/** Docker's MAC scheme: 02:42 then the four bytes of the IPv4 address. */
export function macForIp(ip: string): string {
  const n = parseIpv4(ip)!;
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The host end of a container's veth pair: "veth" + 11 hex digits of its ID (15 chars, the limit). */
export function hostVethName(containerId: string): string {
  return `veth${containerId.slice(0, 11)}`;
}

/** The tag of a container's port rules: its 12-hex short ID. */
function portTag(containerId: string): string {
  return containerId.slice(0, 12);
}

/** Deletes the device if it exists (deleting either end of a veth pair removes both). */
function deleteLink(name: string): void {
  const res = tryExec("ip", ["link", "del", "dev", name]);
  if (res.code !== 0 && linkExists(name)) {
    throw new UserError(`dockergsh: ip link del dev ${name}: ${res.stderr.trim()}`);
  }
}

/** Creates and removes bridge networks, container links and published ports. */
export class BridgeDriver {
  constructor(private readonly root: StateRoot) {}

  /**
   * Makes the kernel side of `net`: bridge, gateway address, forwarding,
   * NAT, FORWARD and isolation rules. Steps already in place are kept, so
   * this also repairs a network after a reboot or a firewall flush. On
   * failure, what this call added is removed again.
   */
  createNetwork(net: NetworkRecord): void {
    const madeBridge = !linkExists(net.bridge);
    try {
      if (madeBridge) {
        const prefix = parseCidr(net.subnet).prefix;
        ipBatch([
          `link add ${net.bridge} type bridge`,
          `addr add ${net.gateway}/${prefix} brd + dev ${net.bridge}`,
          `link set ${net.bridge} up`,
        ]);
      }
      sysctl("net/ipv4/ip_forward", "1");
      // Lets DNAT send 127.0.0.1 traffic (published ports reached from the host) to the bridge.
      sysctl(`net/ipv4/conf/${net.bridge}/route_localnet`, "1");
      ensureChain("filter", ISOLATION_1);
      ensureChain("filter", ISOLATION_2);
      ensureRule("filter", "FORWARD", ["-j", ISOLATION_1], ISOLATION_TAG, true);
      for (const r of networkRules(net)) ensureRule(r.table, r.chain, r.spec, net.bridge);
    } catch (err) {
      this.removeRules(net);
      if (madeBridge) deleteLink(net.bridge);
      throw err;
    }
  }

  /** True when the bridge and every rule of `net` are in place. */
  isComplete(net: NetworkRecord): boolean {
    if (!linkExists(net.bridge)) return false;
    const want = networkRules(net);
    const count = (t: Table) => want.filter((r) => r.table === t).length;
    return taggedRules("nat", net.bridge).length === count("nat") &&
      taggedRules("filter", net.bridge).length === count("filter") &&
      taggedRules("filter", ISOLATION_TAG).length === 1;
  }

  /** createNetwork when something of `net` is missing (cheap when all is there). */
  ensureNetwork(net: NetworkRecord): void {
    if (!this.isComplete(net)) this.createNetwork(net);
  }

  /** Removes the bridge and every rule of `net`; the isolation chains go with the last network. */
  removeNetwork(net: NetworkRecord): void {
    this.removeRules(net);
    deleteLink(net.bridge);
  }

  private removeRules(net: NetworkRecord): void {
    deleteTagged("nat", net.bridge);
    deleteTagged("filter", net.bridge);
    if (chainLength("filter", ISOLATION_1) === 0 && chainLength("filter", ISOLATION_2) === 0) {
      deleteTagged("filter", ISOLATION_TAG);
      deleteChain("filter", ISOLATION_1);
      deleteChain("filter", ISOLATION_2);
    }
  }

  /**
   * Joins the network namespace of `pid` to `net` with address `ip`: veth
   * pair, `eth0` inside with the address and a default route via the
   * gateway, `lo` up. Removes the pair again on failure.
   */
  connect(net: NetworkRecord, containerId: string, pid: number, ip: string): NetworkEndpoint {
    const hostVeth = hostVethName(containerId);
    const prefixLen = parseCidr(net.subnet).prefix;
    const mac = macForIp(ip);
    // A pair left by an earlier start of this container whose cleanup was cut short.
    deleteLink(hostVeth);
    try {
      ipBatch([
        `link add ${hostVeth} type veth peer name eth0 address ${mac} netns ${pid}`,
        `link set ${hostVeth} master ${net.bridge}`,
        `link set ${hostVeth} up`,
      ]);
      ipBatch([
        "link set lo up",
        `addr add ${ip}/${prefixLen} brd + dev eth0`,
        "link set eth0 up",
        `route add default via ${net.gateway} dev eth0`,
      ], pid);
    } catch (err) {
      deleteLink(hostVeth);
      throw err;
    }
    return {
      network: net.name,
      ipAddress: ip,
      prefixLen,
      gateway: net.gateway,
      macAddress: mac,
      hostVeth,
    };
  }

  /**
   * Removes the container's veth pair if it still exists, and returns its
   * address to the pool of `net` (when the network still exists).
   */
  disconnect(endpoint: NetworkEndpoint, net: NetworkRecord | undefined): void {
    deleteLink(endpoint.hostVeth);
    if (net) new BitmapIpam(this.root, net).release(endpoint.ipAddress);
  }

  /**
   * Publishes `ports` of the container at `endpoint`.
   * A host port already published by a dockergsh container, or (TCP) bound
   * by a host program, is refused; on any failure the container's port rules
   * are removed.
   */
  publish(endpoint: NetworkEndpoint, ports: readonly PortMapping[], containerId: string): void {
    if (ports.length === 0) return;
    const tag = portTag(containerId);
    withLock(this.root, "ports", () => {
      try {
        for (const p of ports) {
          checkPortFree(p);
          const proto = p.protocol;
          const dest = [
            "-j",
            "DNAT",
            "--to-destination",
            `${endpoint.ipAddress}:${p.containerPort}`,
          ];
          const match = [
            ...(p.hostIp && p.hostIp !== "0.0.0.0" ? ["-d", p.hostIp] : []),
            "-p",
            proto,
            "--dport",
            String(p.hostPort),
            "-m",
            "addrtype",
            "--dst-type",
            "LOCAL",
          ];
          ensureRule("nat", "PREROUTING", [...match, ...dest], tag);
          ensureRule("nat", "OUTPUT", [...match, ...dest], tag);
          ensureRule("filter", "FORWARD", [
            "-d",
            `${endpoint.ipAddress}/32`,
            "-p",
            proto,
            "--dport",
            String(p.containerPort),
            "-j",
            "ACCEPT",
          ], tag);
        }
      } catch (err) {
        this.unpublish(containerId);
        throw err;
      }
    });
  }

  /** Removes every port rule of the container. */
  unpublish(containerId: string): void {
    const tag = portTag(containerId);
    deleteTagged("nat", tag);
    deleteTagged("filter", tag);
  }
}

/** The value after `flag` in a rule's words. */
function valueOf(words: readonly string[], flag: string): string | undefined {
  const i = words.indexOf(flag);
  return i < 0 ? undefined : words[i + 1];
}

/** Throws Docker's "port is already allocated" when `p`'s host port is taken. */
function checkPortFree(p: PortMapping): void {
  const shown = `${p.hostIp || "0.0.0.0"}:${p.hostPort}`;
  const taken = new UserError(`dockergsh: Bind for ${shown} failed: port is already allocated`);
  for (const { words } of allTaggedRules("nat")) {
    if (words[1] !== "PREROUTING" || valueOf(words, "-j") !== "DNAT") continue;
    if (valueOf(words, "-p") !== p.protocol || valueOf(words, "--dport") !== String(p.hostPort)) {
      continue;
    }
    const ruleIp = valueOf(words, "-d")?.replace(/\/32$/, "");
    const wanted = p.hostIp && p.hostIp !== "0.0.0.0" ? p.hostIp : undefined;
    if (ruleIp === undefined || wanted === undefined || ruleIp === wanted) throw taken;
  }
  if (p.protocol === "tcp") {
    try {
      Deno.listen({ hostname: p.hostIp || "0.0.0.0", port: p.hostPort }).close();
    } catch (err) {
      if (err instanceof Deno.errors.AddrInUse) throw taken;
      if (err instanceof Deno.errors.AddrNotAvailable) {
        throw new UserError(
          `dockergsh: cannot publish on ${p.hostIp}: not an address of this host`,
        );
      }
      throw err;
    }
  }
}
