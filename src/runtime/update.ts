/**
 * `update ID`: a created, running or paused container's limits changed
 * in place, from flags (`--memory 100m`, `--cpu-quota`, …) or from a
 * `linux.resources` JSON file or stdin (`-r FILE|-`, what containerd's
 * shim sends; the flags are then ignored). As runc: a value of 0, or none,
 * leaves a limit as it is; -1 makes memory, memory + swap, the memory
 * reservation, the CPU quota and pids unlimited; device rules are not
 * changed. The limits are written to the container's cgroup by the
 * drivers that made it (src/cgroup/) and kept in its record, so the next
 * update starts from them. A write the kernel refuses puts back what was
 * written before it, and the record is left as it was. What this runtime
 * does not update (block I/O, kernel memory, swappiness, the OOM switch,
 * realtime and idle CPU, hugepages, net_cls, rdma, unified, Intel RDT)
 * and any field the spec does not have are refused, not ignored.
 *
 * @module
 */

import { debug } from "../debug.ts";
import type { LinuxResources } from "../oci/spec.ts";
import { CFS_PERIOD_US, DEFAULT_CPU_SHARES } from "../cgroup/units.ts";
import { cgroupLimits, type CgroupResources, containerCgroup } from "./cgroup.ts";
import { notExist, notRunning, RuntimeError } from "./errors.ts";
import { withContainerLock } from "./lock.ts";
import { given } from "./resource_support.ts";
import { hostCgroupVersion } from "../cgroup/container_cgroup.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord, writeRecord } from "./record.ts";
import { statusOf } from "./status.ts";

/** The limits an update may change. */
export type ResourceUpdate = Pick<LinuxResources, "memory" | "cpu" | "pids">;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Fields of runc's update JSON this runtime does not update: refused when
 * set, as is a field the spec does not have. runc's update ignores most
 * of these; a limit asked for and not applied is refused here instead.
 */
const UNSUPPORTED: Record<string, string[]> = {
  memory: ["kernel", "kernelTCP", "swappiness", "disableOOMKiller", "useHierarchy"],
  cpu: ["realtimeRuntime", "realtimePeriod", "burst", "idle"],
};
const UNSUPPORTED_SECTIONS = ["blockIO", "network", "rdma", "unified"];
/** The fields of each section an update reads, besides the unsupported ones. */
const UPDATED: Record<string, string[]> = {
  memory: ["limit", "swap", "reservation", "checkBeforeUpdate"],
  cpu: ["shares", "quota", "period", "cpus", "mems"],
  pids: ["limit"],
};
const SECTIONS = ["memory", "cpu", "pids", "devices", "hugepageLimits", ...UNSUPPORTED_SECTIONS];

function unsupported(what: string): RuntimeError {
  return new RuntimeError(
    `${what} is not supported: dockergsh-runc updates memory, memory + swap, the memory ` +
      "reservation, cpu and cpuset, pids",
  );
}

/** `section.key` of `o`: a number of the kind `kind`, a string, or absent. */
function field(o: Json, section: string, key: string, kind: "int" | "uint" | "string"): unknown {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const at = `resources: ${section}.${key}`;
  if (kind === "string") {
    if (typeof v !== "string") throw new RuntimeError(`${at} must be a string`);
    return v;
  }
  if (typeof v !== "number" || !Number.isSafeInteger(v) || (kind === "uint" && v < 0)) {
    throw new RuntimeError(
      `${at} must be ${kind === "uint" ? "a non-negative integer" : "an integer"}, not ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}

/** A `linux.resources` JSON text (runc's `update -r`), checked field by field. */
export function parseResourceUpdate(text: string): ResourceUpdate {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError(`resources: invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new RuntimeError("resources: not a JSON object");
  for (const key of Object.keys(value)) {
    if (!SECTIONS.includes(key)) throw new RuntimeError(`resources: ${key}: unknown field`);
  }
  for (const section of UNSUPPORTED_SECTIONS) {
    if (given(value[section])) throw unsupported(`resources: ${section}`);
  }
  // The kubelet lists every page size with limit 0 when it sets none; `devices`
  // are not updated (runc's update leaves them too).
  const hugepages = value.hugepageLimits;
  if (Array.isArray(hugepages) && hugepages.some((h) => isObject(h) && given(h.limit))) {
    throw unsupported("resources: hugepageLimits");
  }
  const out: ResourceUpdate = {};
  const section = (name: string): Json | undefined => {
    const s = value[name];
    if (s === undefined || s === null) return undefined;
    if (!isObject(s)) throw new RuntimeError(`resources: ${name} must be an object`);
    for (const key of Object.keys(s)) {
      if (UNSUPPORTED[name]?.includes(key)) {
        if (given(s[key])) throw unsupported(`resources: ${name}.${key}`);
      } else if (!UPDATED[name].includes(key)) {
        throw new RuntimeError(`resources: ${name}.${key}: unknown field`);
      }
    }
    return s;
  };
  const memory = section("memory");
  if (memory) {
    out.memory = {
      limit: field(memory, "memory", "limit", "int") as number | undefined,
      swap: field(memory, "memory", "swap", "int") as number | undefined,
      reservation: field(memory, "memory", "reservation", "int") as number | undefined,
    };
    checkBeforeUpdate(memory.checkBeforeUpdate);
  }
  const cpu = section("cpu");
  if (cpu) {
    out.cpu = {
      shares: field(cpu, "cpu", "shares", "uint") as number | undefined,
      quota: field(cpu, "cpu", "quota", "int") as number | undefined,
      period: field(cpu, "cpu", "period", "uint") as number | undefined,
      cpus: field(cpu, "cpu", "cpus", "string") as string | undefined,
      mems: field(cpu, "cpu", "mems", "string") as string | undefined,
    };
  }
  const pids = section("pids");
  const pidsLimit = pids && field(pids, "pids", "limit", "int") as number | undefined;
  if (pidsLimit !== undefined) out.pids = { limit: pidsLimit };
  return out;
}

/**
 * `memory.checkBeforeUpdate`: a limit below the usage refused rather than
 * reclaimed. cgroup v1's kernel refuses one itself (EBUSY); on v2 this
 * runtime has no such check, so asking for it is refused.
 */
function checkBeforeUpdate(v: unknown): void {
  if (v !== undefined && v !== null && typeof v !== "boolean") {
    throw new RuntimeError("resources: memory.checkBeforeUpdate must be true or false");
  }
  if (v === true && hostCgroupVersion() === "v2") {
    throw unsupported("resources: memory.checkBeforeUpdate on cgroup v2");
  }
}

/** go-units' RAMInBytes, as runc parses memory flags: binary units, any case. */
const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const UNITS: Record<string, number> = {
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

function bytes(flag: string, value: string): number {
  if (value === "-1") return -1;
  const m = SIZE.exec(value);
  if (!m) throw new RuntimeError(`invalid value for ${flag}: invalid size: '${value}'`);
  return Math.trunc(Number(m[1]) * (m[2] ? UNITS[m[2].toLowerCase()] : 1));
}

function integer(flag: string, value: string, signed: boolean): number {
  const n = Number(value);
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(value) || !Number.isSafeInteger(n)) {
    throw new RuntimeError(
      `invalid value for ${flag}: ${JSON.stringify(value)} is not ${
        signed ? "an integer" : "a non-negative integer"
      }`,
    );
  }
  return n;
}

/** runc's update flags this runtime has no cgroup code for: refused when given. */
export const UNSUPPORTED_UPDATE_FLAGS = [
  "blkio-weight",
  "cpu-rt-period",
  "cpu-rt-runtime",
  "kernel-memory",
  "kernel-memory-tcp",
  "l3-cache-schema",
  "mem-bw-schema",
];

/**
 * runc's update flags (by name without `--`, `cpu-share` or Docker's
 * `cpu-shares`) as a resource update.
 */
export function resourceUpdateFromFlags(flags: ReadonlyMap<string, string>): ResourceUpdate {
  for (const name of UNSUPPORTED_UPDATE_FLAGS) {
    if (flags.has(name)) throw unsupported(`--${name}`);
  }
  const get = (name: string) => flags.get(name);
  const memory = get("memory");
  const swap = get("memory-swap");
  const reservation = get("memory-reservation");
  const shares = get("cpu-share") ?? get("cpu-shares");
  const quota = get("cpu-quota");
  const period = get("cpu-period");
  const pids = get("pids-limit");
  return {
    memory: {
      limit: memory === undefined ? undefined : bytes("memory", memory),
      swap: swap === undefined ? undefined : bytes("memory-swap", swap),
      reservation: reservation === undefined ? undefined : bytes("memory-reservation", reservation),
    },
    cpu: {
      shares: shares === undefined ? undefined : integer("cpu-share", shares, false),
      quota: quota === undefined ? undefined : integer("cpu-quota", quota, true),
      period: period === undefined ? undefined : integer("cpu-period", period, false),
      cpus: get("cpuset-cpus"),
      mems: get("cpuset-mems"),
    },
    ...(pids === undefined ? {} : { pids: { limit: integer("pids-limit", pids, true) } }),
  };
}

/** `old` with every value `update` sets (0 and "" set nothing) replaced. */
function mergeResources(old: LinuxResources, update: ResourceUpdate): LinuxResources {
  const pick = <T>(next: T | undefined, prev: T | undefined) =>
    next === undefined || next === 0 || next === "" ? prev : next;
  const u = update;
  const out: LinuxResources = { ...old };
  const memory = {
    ...old.memory,
    limit: pick(u.memory?.limit, old.memory?.limit),
    swap: pick(u.memory?.swap, old.memory?.swap),
    reservation: pick(u.memory?.reservation, old.memory?.reservation),
  };
  if (Object.values(memory).some((v) => v !== undefined)) out.memory = memory;
  const cpu = {
    ...old.cpu,
    shares: pick(u.cpu?.shares, old.cpu?.shares),
    quota: pick(u.cpu?.quota, old.cpu?.quota),
    period: pick(u.cpu?.period, old.cpu?.period),
    cpus: pick(u.cpu?.cpus, old.cpu?.cpus),
    mems: pick(u.cpu?.mems, old.cpu?.mems),
  };
  if (Object.values(cpu).some((v) => v !== undefined)) out.cpu = cpu;
  const pids = pick(u.pids?.limit, old.pids?.limit);
  if (pids !== undefined) out.pids = { limit: pids };
  return out;
}

/**
 * What puts the cgroup back after a refused update from `old` to `next`:
 * the old limits, and for each one `next` set that `old` did not, the
 * kernel's value for none (unlimited, the default shares and period).
 */
function restoring(old: LinuxResources, next: LinuxResources): CgroupResources {
  const before = cgroupLimits(old);
  const unset: CgroupResources = {
    memory: -1,
    memorySwap: -1,
    memoryReservation: -1,
    cpuQuota: -1,
    pidsLimit: -1,
    cpuShares: DEFAULT_CPU_SHARES,
    cpuPeriod: CFS_PERIOD_US,
  };
  const out: CgroupResources = { ...before };
  for (const key of Object.keys(cgroupLimits(next)) as Array<keyof CgroupResources>) {
    if (before[key] === undefined && key in unset) {
      (out as Record<string, unknown>)[key] = unset[key];
    }
  }
  return out;
}

/** The CPUs (or memory nodes) of a list such as `0-2,4`, or undefined when it is not one. */
function cpuList(list: string): number[] | undefined {
  const out: number[] = [];
  for (const part of list.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) return undefined;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/**
 * Refuses, before any limit is written, a cpuset list that is not one or
 * names a CPU (node) this host does not have online: the kernel would
 * refuse it halfway through an update.
 */
function checkCpuset(flag: string, value: string | undefined, online: string): void {
  if (value === undefined || value === "") return;
  const wanted = cpuList(value);
  if (!wanted) throw new RuntimeError(`invalid value for ${flag}: '${value}' is not a list`);
  const have = new Set(cpuList(Deno.readTextFileSync(online)) ?? []);
  const missing = wanted.filter((n) => !have.has(n));
  if (missing.length) {
    throw new RuntimeError(
      `invalid value for ${flag}: '${value}': ${missing.join(",")} not online (${
        Deno.readTextFileSync(online).trim()
      })`,
    );
  }
}

/** Applies `update` to container `id`'s cgroup and record. */
export function updateContainer(
  root: RuntimeRoot,
  id: string,
  update: ResourceUpdate,
): Promise<void> {
  const paths = root.container(id);
  return withContainerLock(paths, id, () => {
    const record = readRecord(paths);
    if (!record) throw notExist(id);
    if (statusOf(paths, record) === "stopped") throw notRunning(id);
    const old = record.spec.linux?.resources ?? {};
    const resources = mergeResources(old, update);
    checkCpuset("cpuset-cpus", update.cpu?.cpus, "/sys/devices/system/cpu/online");
    checkCpuset("cpuset-mems", update.cpu?.mems, "/sys/devices/system/node/online");
    const cgroup = containerCgroup(record.cgroup);
    try {
      cgroup.setLimits(cgroupLimits(resources));
    } catch (err) {
      try {
        cgroup.setLimits(restoring(old, resources));
      } catch (undo) {
        throw new RuntimeError(
          `${(err as Error).message} (and putting back the limits before failed too: ${
            (undo as Error).message
          })`,
        );
      }
      throw new RuntimeError((err as Error).message);
    }
    debug("update", `${id}: ${JSON.stringify(resources)}`);
    writeRecord(paths, {
      ...record,
      spec: { ...record.spec, linux: { ...record.spec.linux, resources } },
    });
  });
}
