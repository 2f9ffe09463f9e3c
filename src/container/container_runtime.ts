/**
 * What a running container holds outside its own directory: its network
 * endpoint (veth, address, port rules) and its cgroups. Start acquires them
 * after the init exists and before the user's command runs; they are
 * released once the container's process is gone, by whoever sees that first
 * (its parent on exit, `stop`, `rm`). Release is idempotent and claims the
 * endpoint under the record's lock, so two releasers never free one address
 * twice.
 *
 * @module
 */

import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import { isPseudoNetwork } from "./network_mode.ts";
import { extraHostsEntries, renderHosts } from "../rootfs/etc_hosts.ts";
import { isNoSpace, unlessDiskFull } from "../store/disk_full.ts";
import { recordEvent } from "../events/events.ts";
import { eventSubject } from "./events.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import { recordExit } from "./container_exit.ts";
import type { ContainerRecord, NetworkEndpoint } from "./record.ts";
import { transition } from "./state.ts";
import { ContainerStore } from "./store.ts";

/**
 * Writes `record`'s /etc/hosts: with an endpoint, through the network's
 * hosts files (itself and its peers, each peer's file updated too);
 * with `none`, loopback names only; with `host`, the host's copy made at
 * create is kept, as Docker does.
 */
export async function writeHostsFiles(
  root: StateRoot,
  record: ContainerRecord,
  endpoint?: NetworkEndpoint,
): Promise<void> {
  if (endpoint) (await import("./container_hosts.ts")).joinNetworkHosts(root, record, endpoint);
  else if (record.config.networkMode !== "host") {
    Deno.writeTextFileSync(
      containerPaths(root, record.id).hosts,
      renderHosts(undefined, [], extraHostsEntries(record.config.extraHosts)),
    );
  }
}

/**
 * Releases what `record`'s run held: its network endpoint (claimed from
 * the record under its lock, so only one caller detaches it) and its
 * cgroups. Nothing is touched once the container runs again: a late
 * releaser (a foreground CLI still finishing) must not take the new run's.
 * Resolves to whether the kernel OOM-killed a process of the container,
 * read before the cgroups go.
 */
export async function releaseRuntime(root: StateRoot, record: ContainerRecord): Promise<boolean> {
  return (await release(root, record)).oomKilled;
}

/** releaseRuntime, with the record as it was stored when the release began (undefined: removed). */
async function release(
  root: StateRoot,
  record: ContainerRecord,
): Promise<{ oomKilled: boolean; stored?: ContainerRecord }> {
  const store = new ContainerStore(root);
  const laterRun = (rec: ContainerRecord) =>
    rec.state.status === "running" && rec.state.startedAt !== record.state.startedAt;
  const stored = store.load(record.id);
  if (stored && laterRun(stored)) {
    debug("start", `${record.id.slice(0, 12)} runs again: its resources are the new run's`);
    return { oomKilled: false, stored };
  }
  let endpoint: NetworkEndpoint | undefined;
  // Read first: most releases find no endpoint and need no locked write.
  if (stored?.endpoint) {
    try {
      store.update(record.id, (rec) => {
        if (laterRun(rec)) return rec;
        endpoint = rec.endpoint;
        return endpoint ? { ...rec, endpoint: undefined } : rec;
      });
    } catch (err) {
      // A full disk must not keep the veth and the rules (a removal is how
      // the user frees space): release it unrecorded. A second releaser
      // finds nothing left to delete, and detach never frees an address
      // another record holds.
      if (!isNoSpace(err)) throw err;
      debug("network", `${record.id.slice(0, 12)}: releasing its endpoint unrecorded (disk full)`);
    }
  }
  // The network stack is loaded only for a run that had (or may have had) a network.
  if (endpoint || !isPseudoNetwork(record.config.networkMode)) {
    const { detachContainerNetwork } = await import("./container_network.ts");
    await detachContainerNetwork(root, { ...record, endpoint });
  }
  if (endpoint) debug("network", `released ${endpoint.ipAddress} and ${endpoint.hostVeth}`);
  // One open for both.
  const cgroup = openContainerCgroup(record.id, record.config.resources);
  const oomKilled = cgroup.oomKilled();
  await cgroup.destroy();
  return { oomKilled, stored };
}

/**
 * The container's PID 1 exited with `exitCode`: release what the run held
 * and record the exit (with the OOM verdict of its cgroup). `removedNext`:
 * the caller removes the container right after (`--rm`), so the exit is
 * not written into a record about to go. A kill before that removal leaves
 * the record of a run whose process is gone, which every reader observes
 * as exited (code unknown) and `rm` removes; the die event still carries
 * the code (`wait` reads it there once the container is removed).
 */
export async function finishRun(
  root: StateRoot,
  record: ContainerRecord,
  exitCode: number,
  removedNext = false,
): Promise<ContainerRecord> {
  const released = await release(root, record);
  const { oomKilled } = released;
  let exited: ContainerRecord | undefined;
  // On a full disk the exit code cannot be stored; the caller still learns it.
  const stored = !removedNext &&
    unlessDiskFull(`recording ${record.id}'s exit code`, () => {
      exited = recordExit(root, record.id, record.state.startedAt, exitCode, oomKilled);
    });
  // Named as it is now (it may have been renamed while it ran).
  const subject = eventSubject(exited ?? released.stored ?? record);
  if (oomKilled) recordEvent(root, "oom", subject);
  recordEvent(root, "die", subject, { exitCode: String(exitCode) });
  if (stored) return exited!;
  const current = released.stored ?? record;
  return {
    ...current,
    endpoint: undefined,
    state: transition(record.state, {
      kind: "exit",
      exitCode,
      oomKilled,
      at: new Date().toISOString(),
    }),
  };
}
