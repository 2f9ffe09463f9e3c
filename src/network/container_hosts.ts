/**
 * /etc/hosts of the containers on one network: each lists itself and every
 * other container holding an address there. All files of a network are
 * rewritten together under the lock `hosts-<network>`, from the container
 * records, whenever a container joins (its start) or leaves (its exit,
 * stop, removal, or a start that failed).
 *
 * A joining container stores its endpoint in its record inside that lock,
 * before it is running: two containers starting at the same time then see
 * each other, whichever writes second.
 *
 * @module
 */

import { containerPaths } from "../container/container_create.ts";
import type { ContainerRecord, NetworkEndpoint } from "../container/record.ts";
import { ContainerStore } from "../container/store.ts";
import { debug } from "../debug.ts";
import { renderHosts } from "../rootfs/etc_hosts.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { linkExists } from "./_ip.ts";

/** A container on a network, with the endpoint it holds there. */
type Member = ContainerRecord & { endpoint: NetworkEndpoint };

/**
 * The containers holding an address on `network` whose network namespace
 * is alive: running ones, and those whose start is under way (not running
 * yet, but their veth exists). A record left with an endpoint by a run
 * nobody released has lost its veth with its namespace.
 */
function members(root: StateRoot, network: string): Member[] {
  return new ContainerStore(root).list().filter((c): c is Member =>
    c.endpoint?.network === network &&
    (c.state.status === "running" || linkExists(c.endpoint.hostVeth))
  );
}

/** Rewrites the hosts file of every member of `network`. The caller holds `hosts-<network>`. */
function rewrite(root: StateRoot, network: string): void {
  const all = members(root, network);
  for (const c of all) {
    const self = {
      ip: c.endpoint.ipAddress,
      names: [c.config.hostname, c.name, c.id.slice(0, 12)],
    };
    const peers = all
      .filter((p) => p.id !== c.id)
      .map((p) => ({ ip: p.endpoint.ipAddress, names: [p.name, p.id.slice(0, 12)] }));
    try {
      // In place, never by rename: the file is bind-mounted into the container.
      Deno.writeTextFileSync(containerPaths(root, c.id).hosts, renderHosts(self, peers), {
        create: false,
      });
    } catch (err) {
      // A container removed meanwhile has no hosts file to update.
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  debug("network", `/etc/hosts of ${all.length} container(s) on ${network} rewritten`);
}

/**
 * `record` joins `network` at `endpoint` (its start, after its veth is
 * up): the endpoint is stored in its record, and the hosts files of the
 * network, its own included, are rewritten.
 */
export function joinNetworkHosts(
  root: StateRoot,
  record: ContainerRecord,
  endpoint: NetworkEndpoint,
): void {
  withLock(root, `hosts-${endpoint.network}`, () => {
    new ContainerStore(root).update(record.id, (rec) => ({ ...rec, endpoint }));
    rewrite(root, endpoint.network);
  });
}

/** Rewrites the hosts files of `network` after a container left it. */
export function refreshNetworkHosts(root: StateRoot, network: string): void {
  withLock(root, `hosts-${network}`, () => rewrite(root, network));
}
