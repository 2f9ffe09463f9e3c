/**
 * A container's network, as the container lifecycle sees it: attach after
 * the container's process exists (its network namespace is what gets
 * wired), detach when it is gone, and no network removed from under a
 * running container. src/network knows networks, not containers: what it
 * needs of them (the addresses they hold, who is attached) is read here.
 *
 * @module
 */

import { runEvery, undoingSync } from "../_undo.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { savedRules } from "../network/bridge_driver.ts";
import type { NetworkEndpoint } from "../network/endpoint.ts";
import { BitmapIpam, IpamExhaustedError } from "../network/ipam.ts";
import { DEFAULT_NETWORK, type NetworkRecord, NetworkStore } from "../network/network_store.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import type { StateRoot } from "../store/paths.ts";
import { leaveNetworkHosts } from "./container_hosts.ts";
import { isPseudoNetwork } from "./network_mode.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/**
 * Addresses held on `network` by container records other than `exceptId`.
 * The records as stored, not reconciled with the kernel: a record's
 * endpoint is the same either way, and a release (on every exit on a
 * network) then reads each record once, storing nothing.
 */
function claimedIps(root: StateRoot, network: string, exceptId: string): string[] {
  const store = new ContainerStore(root);
  return store.ids()
    .filter((id) => id !== exceptId)
    .map((id) => store.load(id)?.endpoint)
    .filter((e) => e?.network === network)
    .map((e) => e!.ipAddress);
}

/** Names of the running containers attached to `network`. */
function runningOn(root: StateRoot, network: string): string[] {
  return new ContainerStore(root).list()
    .filter((c) => c.state.status === "running" && c.endpoint?.network === network)
    .map((c) => c.name);
}

/**
 * Removes the network `name` (NetworkStore.remove), refused while a
 * running container is attached to it.
 */
export function removeNetwork(root: StateRoot, name: string): void {
  new NetworkStore(root).remove(name, (network) => runningOn(root, network));
}

/**
 * An address for `record` on `net`: its `--ip`, or the lowest free one.
 * When the pool is dry, addresses no container record holds (leaked by a
 * start that died half-way) are reclaimed once before giving up.
 */
function allocateIp(root: StateRoot, net: NetworkRecord, record: ContainerRecord): string {
  const ipam = new BitmapIpam(root, net);
  try {
    return ipam.allocate(record.config.ipRequest);
  } catch (err) {
    if (!(err instanceof IpamExhaustedError)) throw err;
    const freed = ipam.reconcile(claimedIps(root, net.name, record.id));
    if (freed.length === 0) throw err;
    return ipam.allocate(record.config.ipRequest);
  }
}

/**
 * Refuses at create time, as Docker does, what `run`/`create` asks for on
 * a network that cannot be had: a network that does not exist (`bridge`,
 * made on first use, `host` and `none` always do), an `--ip` outside its
 * subnet or reserved. Whether the address is free is known at start.
 */
export function checkNetworkRequest(
  root: StateRoot,
  request: { networkMode: string; ipRequest?: string },
): void {
  const mode = request.networkMode;
  if (isPseudoNetwork(mode) || mode === DEFAULT_NETWORK) return;
  const net = new NetworkStore(root).get(mode);
  if (!net) throw new UserError(`dockergsh: Error response from daemon: network ${mode} not found`);
  if (request.ipRequest !== undefined) new BitmapIpam(root, net).checkRequest(request.ipRequest);
}

/**
 * Connects the container whose process is `pid` to its network
 * (`record.config.networkMode`) and publishes its ports. Returns the
 * endpoint to store in `record.endpoint`, or undefined for `host` and
 * `none`. The default network `bridge` is created on first use. On failure,
 * everything this call made is undone before the error is thrown. `rules`:
 * prefetchRules' listing, started earlier.
 */
export async function attachContainerNetwork(
  root: StateRoot,
  record: ContainerRecord,
  pid: number,
  rules?: Promise<string | undefined>,
): Promise<NetworkEndpoint | undefined> {
  return attach(root, record, pid, await rules);
}

/**
 * The host's firewall rules, listed while the caller goes on: started
 * with a start (beside its init), for attachContainerNetwork's check of
 * the network's rules (an `iptables-save` of ~5 ms otherwise waited for
 * then). Undefined when they could not be listed: the check lists them
 * itself then, and reports why.
 */
export function prefetchRules(): Promise<string | undefined> {
  return savedRules().catch(() => undefined);
}

function attach(
  root: StateRoot,
  record: ContainerRecord,
  pid: number,
  savedRules?: string,
): NetworkEndpoint | undefined {
  const mode = record.config.networkMode;
  if (isPseudoNetwork(mode)) return undefined;
  const store = new NetworkStore(root);
  const net = store.ready(mode, savedRules);
  return undoingSync((undo) => {
    const ip = allocateIp(root, net, record);
    undo.push(() => {
      unlessDiskFull(`releasing ${ip}`, () => new BitmapIpam(root, net).release(ip));
    });
    // connect and publish each remove what they made when they fail; this
    // undoes their work when a later step fails.
    const endpoint = store.driver.connect(net, record.id, pid, ip);
    undo.push(() => store.driver.disconnect(endpoint, undefined));
    store.driver.publish(endpoint, record.config.ports, record.id);
    debug("network", `${record.id.slice(0, 12)} on ${net.name} as ${ip} via ${endpoint.hostVeth}`);
    return endpoint;
  });
}

/**
 * Undoes attachContainerNetwork: removes the port rules, the veth pair and
 * the address, and the container from its peers' /etc/hosts. Idempotent.
 * The address is only released if no other container record holds it (it
 * may have been handed out again after an earlier detach).
 */
export function detachContainerNetwork(root: StateRoot, record: ContainerRecord): Promise<void> {
  return new Promise((resolve) => resolve(detach(root, record)));
}

function detach(root: StateRoot, record: ContainerRecord): void {
  if (isPseudoNetwork(record.config.networkMode) && !record.endpoint) return;
  const store = new NetworkStore(root);
  const endpoint = record.endpoint;
  // Each step also when another fails: rules that cannot be deleted must not keep the veth.
  runEvery([
    () => {
      if (record.config.ports.length > 0) store.driver.unpublish(record.id);
    },
    () => {
      if (!endpoint) return;
      const net = store.get(endpoint.network);
      const reused = claimedIps(root, endpoint.network, record.id).includes(endpoint.ipAddress);
      store.driver.disconnect(endpoint, reused ? undefined : net);
    },
    () => {
      // Peers' /etc/hosts keep a gone name on a full disk; the next join or leave drops it.
      if (endpoint) {
        unlessDiskFull(
          "leaving the hosts files",
          () => leaveNetworkHosts(root, record.id, endpoint),
        );
      }
    },
  ]);
}
