/**
 * /etc/hosts of the containers on one network: each lists itself and every
 * other member of the network; on the default network `bridge`, as on
 * Docker's, only itself (Docker resolves no names there). Membership is kept in
 * `<root>/networks/hosts/<network>.json` (container ID → address and host
 * veth): a container joins once its veth is up, before its command runs,
 * and leaves when its endpoint is released. Every join or leave rewrites
 * the hosts files of all members under the lock `hosts-<network>`, so two
 * containers starting at the same time see each other, whichever comes
 * second.
 *
 * Membership is kept apart from the container records, whose `endpoint`
 * is only set once a container runs: a late release of an earlier run
 * tells runs apart by that.
 *
 * @module
 */

import { removeIfThere } from "../_fs.ts";
import { debug } from "../debug.ts";
import type { NetworkEndpoint } from "../network/endpoint.ts";
import { linkExists } from "../network/host_network.ts";
import { DEFAULT_NETWORK, hostsMembersPath } from "../network/network_store.ts";
import { extraHostsEntries, renderHosts } from "../rootfs/etc_hosts.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import type { ContainerRecord } from "./record.ts";
import { observe } from "./state.ts";
import { ContainerStore } from "./store.ts";

/** What membership stores of a container. */
interface Member {
  ip: string;
  hostVeth: string;
}

/** Members of one network by container ID. */
type Members = Record<string, Member>;

/**
 * Replaces the content of the existing file `path` with `text` in place,
 * never by rename: a hosts file is bind-mounted into its container.
 * Written over, then cut to length, not truncated first: ext4 flushes a
 * file truncated to zero and written again when it is closed
 * (auto_da_alloc), which made each rewrite ~0.3 ms and a join on a
 * network of 50 ~15 ms of the monitor's thread (measured: 50 files,
 * 10-26 ms with O_TRUNC, 2-3 ms like this).
 */
function rewriteInPlace(path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  const file = Deno.openSync(path, { write: true });
  try {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    file.truncateSync(bytes.length);
  } finally {
    file.close();
  }
}

/**
 * The members stored for a network, undefined when none are. A file that
 * does not parse counts as no members: it is written without fsync, so
 * only a power cut leaves one torn, and the containers it listed died
 * with that power cut.
 */
function readMembers(path: string): Members | undefined {
  try {
    return readJson<Members>(path);
  } catch (err) {
    if (err instanceof SyntaxError) return {};
    throw err;
  }
}

/** The names a container's own line of its /etc/hosts gives its address. */
function ownNames(rec: ContainerRecord): string[] {
  return [rec.config.hostname, rec.name, rec.id.slice(0, 12)];
}

/**
 * Applies `change` to the members of `network` under its lock, drops the
 * members whose container is gone (removed, or its network namespace dead
 * without a release: its veth went with it), stores them, and rewrites the
 * hosts file of each.
 */
function update(root: StateRoot, network: string, change: (members: Members) => void): void {
  withLock(root, `hosts-${network}`, () => {
    const path = hostsMembersPath(root, network);
    const members = readMembers(path) ?? {};
    change(members);
    const store = new ContainerStore(root);
    const live: [ContainerRecord, Member][] = [];
    for (const [id, m] of Object.entries(members)) {
      const rec = store.load(id);
      // A start under way is not running yet, but its veth is up.
      if (rec && (observe(rec).state.status === "running" || linkExists(m.hostVeth))) {
        live.push([rec, m]);
      } else {
        delete members[id];
      }
    }
    Deno.mkdirSync(`${root.networks}/hosts`, { recursive: true, mode: 0o700 });
    // Not fsynced: membership mirrors veths, which a power cut takes with
    // it (the next join drops members whose veth is gone; see readMembers).
    // Two fsyncs saved on every start and removal.
    writeJsonAtomic(path, members, { durable: false });
    for (const [rec, m] of live) {
      const self = { ip: m.ip, names: ownNames(rec) };
      const peers = live
        .filter(([p]) => p.id !== rec.id)
        .map(([p, pm]) => ({ ip: pm.ip, names: [p.name, p.id.slice(0, 12)] }));
      try {
        rewriteInPlace(
          containerPaths(root, rec.id).hosts,
          renderHosts(self, peers, extraHostsEntries(rec.config.extraHosts)),
        );
      } catch (err) {
        // A container being removed has no hosts file to update.
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
    debug("network", `/etc/hosts of ${live.length} container(s) on ${network} rewritten`);
  });
}

/**
 * `record` joins the hosts files of its network at `endpoint` (its start,
 * once its veth is up): its own file lists its peers, theirs list it.
 */
export function joinNetworkHosts(
  root: StateRoot,
  record: ContainerRecord,
  endpoint: NetworkEndpoint,
): void {
  if (endpoint.network === DEFAULT_NETWORK) {
    // As Docker's default bridge: no name resolution between its
    // containers, so its file lists only itself and needs no membership,
    // no lock and no rewrite of the others' at every start and exit. A
    // membership file an earlier version kept for it goes.
    removeIfThere(hostsMembersPath(root, DEFAULT_NETWORK));
    rewriteInPlace(
      containerPaths(root, record.id).hosts,
      renderHosts(
        { ip: endpoint.ipAddress, names: ownNames(record) },
        [],
        extraHostsEntries(record.config.extraHosts),
      ),
    );
    return;
  }
  update(root, endpoint.network, (members) => {
    members[record.id] = { ip: endpoint.ipAddress, hostVeth: endpoint.hostVeth };
  });
}

/** Container `id` leaves the hosts files of the network of `endpoint` (its release). */
export function leaveNetworkHosts(root: StateRoot, id: string, endpoint: NetworkEndpoint): void {
  if (endpoint.network === DEFAULT_NETWORK) return; // no membership (joinNetworkHosts)
  // Nobody joined (or the network is gone): nothing to rewrite, no file to leave behind.
  if (readMembers(hostsMembersPath(root, endpoint.network)) === undefined) return;
  update(root, endpoint.network, (members) => {
    // Only this endpoint's membership, not that of a later run on another address.
    if (members[id]?.ip === endpoint.ipAddress) delete members[id];
  });
}
