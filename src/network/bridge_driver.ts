/**
 * The bridge network driver: a network's bridge through the host's `ip`,
 * its rules through `iptables`, a container's veth pair through rtnetlink
 * (rtnetlink.ts: no process spawned on a container's start):
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
 *   MASQUERADE of 127.0.0.0/8 onto the bridge; from the container itself:
 *   hairpin mode on its bridge port and a MASQUERADE of its own traffic).
 *
 * Rules carry the comment `dockergsh:<bridge>` for a network and
 * `dockergsh:<12-hex container id>` for a container's ports.
 *
 * @module
 */

import { SyscallError } from "../../ffi/errno.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import type { StateRoot } from "../store/paths.ts";
import { runEvery, undoingSync } from "../_undo.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import { ipBatch } from "./_exec.ts";
import { withHostLock } from "./_host_lock.ts";
import {
  addRules,
  chainLength,
  deleteChain,
  deleteChainIfEmpty,
  deleteTagged,
  ensureChain,
  hasRule,
  listTagged,
  removeRules,
  type Rule,
  rulesTagged,
} from "./_iptables.ts";
import { linkExists } from "./host_network.ts";
import type { NetworkEndpoint, PortMapping } from "./endpoint.ts";
import { parseCidr, parseIpv4 } from "./cidr.ts";
import { BitmapIpam } from "./ipam.ts";
import { RouteNetlink } from "./rtnetlink.ts";
import type { NetworkRecord } from "./network_store.ts";

export { savedRules } from "./_iptables.ts";

/** Chain 1: traffic from one of our bridges to anywhere else goes to chain 2. */
const ISOLATION_1 = "DOCKERGSH-ISOLATION-1";
/** Chain 2: … and is dropped if it leaves through another of our bridges. */
const ISOLATION_2 = "DOCKERGSH-ISOLATION-2";
/** Tag of the FORWARD jump into ISOLATION_1, shared by all networks. */
const ISOLATION_TAG = "isolation";

/** The rules of network `net`, tagged with its bridge name. */
function networkRules(net: NetworkRecord): Rule[] {
  const br = net.bridge;
  const rule = (table: Rule["table"], chain: string, spec: string[]): Rule => ({
    table,
    chain,
    spec,
    tag: br,
  });
  return [
    rule("nat", "POSTROUTING", ["-s", net.subnet, "!", "-o", br, "-j", "MASQUERADE"]),
    rule("nat", "POSTROUTING", ["-s", "127.0.0.0/8", "-o", br, "-j", "MASQUERADE"]),
    rule("filter", "FORWARD", ["-i", br, "-o", br, "-j", "ACCEPT"]),
    rule("filter", "FORWARD", ["-i", br, "!", "-o", br, "-j", "ACCEPT"]),
    rule("filter", "FORWARD", [
      ...["-o", br, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"],
      ...["-j", "ACCEPT"],
    ]),
    rule("filter", ISOLATION_1, ["-i", br, "!", "-o", br, "-j", ISOLATION_2]),
    rule("filter", ISOLATION_2, ["-o", br, "-j", "DROP"]),
  ];
}

/** The FORWARD jump into the isolation chains, ahead of every accept. */
const ISOLATION_JUMP: Rule = {
  table: "filter",
  chain: "FORWARD",
  spec: ["-j", ISOLATION_1],
  tag: ISOLATION_TAG,
  first: true,
};

/** Removes the isolation jump and chains once no network has rules in them. */
function dropIsolationIfUnused(): void {
  if (chainLength("filter", ISOLATION_1) > 0 || chainLength("filter", ISOLATION_2) > 0) return;
  deleteTagged([ISOLATION_TAG]);
  deleteChain("filter", ISOLATION_1);
  deleteChain("filter", ISOLATION_2);
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

/**
 * Deletes the device if it exists (deleting either end of a veth pair
 * removes both). A container's veth also goes with its network namespace,
 * in the background: gone by the time of the request is no error.
 */
function deleteLink(name: string): void {
  if (!linkExists(name)) return;
  const netlink = RouteNetlink.open(new LinuxKernel());
  try {
    netlink.deleteLink(name);
  } finally {
    netlink.close();
  }
}

/**
 * The container's side of its veth pair, through a netlink socket made in
 * its network namespace: `lo` up, `eth0` with its address and up, the
 * default route through the gateway.
 */
function configureContainerSide(
  kernel: LinuxKernel,
  pid: number,
  ip: string,
  prefixLen: number,
  gateway: string,
): void {
  const inside = RouteNetlink.in(kernel, pid);
  try {
    inside.setUp("lo");
    inside.addAddress("eth0", ip, prefixLen);
    inside.setUp("eth0");
    inside.addDefaultRoute(gateway, "eth0");
  } finally {
    inside.close();
  }
}

/** Creates and removes bridge networks, container links and published ports. */
export class BridgeDriver {
  constructor(private readonly root: StateRoot) {}

  /**
   * Makes the kernel side of `net`: bridge, gateway address, forwarding,
   * NAT, FORWARD and isolation rules. Steps already in place are kept, so
   * this also repairs a network after a reboot or a firewall flush. On
   * failure, exactly what this call made is removed (the rules it added,
   * the isolation chains and the bridge it created), each undo step run
   * even if another fails, and none through the tool that just failed
   * where another one can do it. The caller holds the host-wide `network` lock.
   */
  createNetwork(net: NetworkRecord): void {
    undoingSync((undo) => {
      if (!linkExists(net.bridge)) {
        // Before the batch: it may fail after `link add` (on the address, say).
        undo.push(() => deleteLink(net.bridge));
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
      for (const chain of [ISOLATION_1, ISOLATION_2]) {
        if (ensureChain("filter", chain)) undo.push(() => deleteChainIfEmpty("filter", chain));
      }
      const missing = [ISOLATION_JUMP, ...networkRules(net)].filter((r) => !hasRule(r));
      // Before the add: iptables-restore commits table by table, nat may be in while filter failed.
      undo.push(() => removeRules(missing));
      addRules(missing);
    });
  }

  /**
   * True when the bridge and every rule of `net` are in place; the rules as
   * `iptables-save` lists them now, or as its output `saved` (savedRules).
   */
  isComplete(net: NetworkRecord, saved?: string): boolean {
    if (!linkExists(net.bridge)) return false;
    const have = rulesTagged([net.bridge, ISOLATION_TAG], saved);
    return have.length === networkRules(net).length + 1;
  }

  /** createNetwork when something of `net` is missing (cheap when all is there); `saved` as isComplete's. */
  ensureNetwork(net: NetworkRecord, saved?: string): void {
    if (!this.isComplete(net, saved)) this.createNetwork(net);
  }

  /**
   * Removes the bridge and every rule of `net`; the isolation chains go
   * with the last network. The bridge goes even when iptables fails.
   */
  removeNetwork(net: NetworkRecord): void {
    runEvery([
      () => deleteTagged([net.bridge]),
      dropIsolationIfUnused,
      () => deleteLink(net.bridge),
    ]);
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
    const kernel = new LinuxKernel();
    const host = RouteNetlink.open(kernel);
    try {
      host.addVethPair(hostVeth, { name: "eth0", mac, netnsPid: pid });
      host.setMaster(hostVeth, host.linkIndex(net.bridge));
      // A container reaching its own published port through the host: the
      // DNAT'd frame goes back out of the bridge port it came in by.
      host.setHairpin(hostVeth);
      host.setUp(hostVeth);
      configureContainerSide(kernel, pid, ip, prefixLen, net.gateway);
    } catch (err) {
      deleteLink(hostVeth);
      throw err instanceof SyscallError ? new UserError(`dockergsh: ${err.message}`) : err;
    } finally {
      host.close();
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
    // On a full disk the address stays marked; the pool reclaims it when it runs dry.
    if (net) {
      unlessDiskFull(
        `releasing ${endpoint.ipAddress}`,
        () => new BitmapIpam(this.root, net).release(endpoint.ipAddress),
      );
    }
  }

  /**
   * Publishes `ports` of the container at `endpoint`, in one iptables-restore
   * (all or none of them). A host port already published by a dockergsh container (or
   * twice in `ports`), or (TCP) bound by a host program, is refused, and
   * then no rule is added.
   */
  publish(endpoint: NetworkEndpoint, ports: readonly PortMapping[], containerId: string): void {
    if (ports.length === 0) return;
    const tag = portTag(containerId);
    withHostLock("ports", () => {
      // Rules of an earlier start of this container whose cleanup was cut short.
      deleteTagged([tag]);
      const taken = listTagged("nat")
        .filter((r) => r.words[1] === "PREROUTING" && valueOf(r.words, "-j") === "DNAT")
        .map((r) => publishedBy(r.words));
      const rules: Rule[] = [];
      for (const p of ports) {
        checkPortFree(p, taken);
        taken.push(p);
        rules.push(...portRules(endpoint.ipAddress, p, tag));
      }
      undoingSync((undo) => {
        undo.push(() => removeRules(rules)); // nat may commit while filter fails
        addRules(rules);
      });
    });
  }

  /** Removes every port rule of the container. */
  unpublish(containerId: string): void {
    deleteTagged([portTag(containerId)]);
  }
}

/**
 * DNAT from the host port (outside: PREROUTING; the host itself: OUTPUT),
 * the FORWARD accept, and the MASQUERADE of the container reaching itself
 * through its published port (else it would answer itself directly, to a
 * connection it never made).
 */
function portRules(ip: string, p: PortMapping, tag: string): Rule[] {
  const match = [
    ...(p.hostIp && p.hostIp !== "0.0.0.0" ? ["-d", p.hostIp] : []),
    ...["-p", p.protocol, "--dport", String(p.hostPort)],
    ...["-m", "addrtype", "--dst-type", "LOCAL"],
  ];
  const dnat = [...match, "-j", "DNAT", "--to-destination", `${ip}:${p.containerPort}`];
  const toContainer = ["-d", `${ip}/32`, "-p", p.protocol, "--dport", String(p.containerPort)];
  return [
    { table: "nat", chain: "PREROUTING", spec: dnat, tag },
    { table: "nat", chain: "OUTPUT", spec: dnat, tag },
    {
      table: "filter",
      chain: "FORWARD",
      spec: [...toContainer, "-j", "ACCEPT"],
      tag,
    },
    {
      table: "nat",
      chain: "POSTROUTING",
      spec: ["-s", `${ip}/32`, ...toContainer, "-j", "MASQUERADE"],
      tag,
    },
  ];
}

/** The value after `flag` in a rule's words. */
function valueOf(words: readonly string[], flag: string): string | undefined {
  const i = words.indexOf(flag);
  return i < 0 ? undefined : words[i + 1];
}

/** The host binding a listed PREROUTING DNAT rule of ours publishes. */
function publishedBy(words: readonly string[]): Omit<PortMapping, "containerPort"> {
  return {
    hostIp: valueOf(words, "-d")?.replace(/\/32$/, "") ?? "",
    hostPort: Number(valueOf(words, "--dport")),
    protocol: valueOf(words, "-p") === "udp" ? "udp" : "tcp",
  };
}

/** Throws Docker's "port is already allocated" when `p`'s host port is in `taken` or bound on the host. */
function checkPortFree(p: PortMapping, taken: readonly Omit<PortMapping, "containerPort">[]): void {
  const shown = `${p.hostIp || "0.0.0.0"}:${p.hostPort}`;
  const busy = new UserError(`dockergsh: Bind for ${shown} failed: port is already allocated`);
  const any = (ip: string) => ip === "" || ip === "0.0.0.0";
  for (const t of taken) {
    if (t.protocol !== p.protocol || t.hostPort !== p.hostPort) continue;
    if (any(t.hostIp) || any(p.hostIp) || t.hostIp === p.hostIp) throw busy;
  }
  if (p.protocol === "tcp") {
    try {
      Deno.listen({ hostname: p.hostIp || "0.0.0.0", port: p.hostPort }).close();
    } catch (err) {
      if (err instanceof Deno.errors.AddrInUse) throw busy;
      if (err instanceof Deno.errors.AddrNotAvailable) {
        throw new UserError(
          `dockergsh: cannot publish on ${p.hostIp}: not an address of this host`,
        );
      }
      throw err;
    }
  }
}
