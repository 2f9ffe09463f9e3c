/**
 * Which `linux.resources` fields the runtime applies, and a refusal for
 * every other one. A limit the spec asks for and the runtime does not
 * write would leave the container less confined than its config says,
 * so a field with no cgroup code here (hugetlb, net_cls/net_prio, rdma)
 * or none on this cgroup version (v1's unified, v2's swappiness, realtime
 * CPU and leaf weights) stops the create before anything is made, in one
 * line; a file the kernel lacks stops it when the cgroup is made.
 * Fields the kernel itself no longer has apart are ignored with a warning,
 * as runc 1.1 does: kernel memory (it is counted in the memory limit) and,
 * on cgroup v2, `disableOOMKiller` (a container whose OOM killer stays on
 * is more confined, not less). As runc: 0 (or absent, or null) sets
 * nothing, and a swappiness of -1 (2^64 - 1 as Docker sends it) is none.
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether a JSON value is set at all (runc treats 0, "", [], {} and null as not given). */
export function given(v: unknown): boolean {
  if (v === undefined || v === null || v === 0 || v === "" || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.values(v).some(given);
  return true;
}

/** A swappiness that means "the kernel's default": -1, or 2^64 - 1 (Docker's uint64 of -1). */
export function swappinessUnset(v: unknown): boolean {
  return v === undefined || v === null || v === -1 || v === 2 ** 64;
}

/** Every field of the runtime-spec's LinuxResources (1.2), by section. */
const FIELDS: Record<string, readonly string[]> = {
  "": [
    "devices",
    "memory",
    "cpu",
    "pids",
    "blockIO",
    "hugepageLimits",
    "network",
    "rdma",
    "unified",
  ],
  memory: [
    "limit",
    "reservation",
    "swap",
    "kernel",
    "kernelTCP",
    "swappiness",
    "disableOOMKiller",
    "useHierarchy",
    "checkBeforeUpdate",
  ],
  cpu: [
    "shares",
    "quota",
    "burst",
    "period",
    "realtimeRuntime",
    "realtimePeriod",
    "cpus",
    "mems",
    "idle",
  ],
  pids: ["limit"],
  blockIO: [
    "weight",
    "leafWeight",
    "weightDevice",
    "throttleReadBpsDevice",
    "throttleWriteBpsDevice",
    "throttleReadIOPSDevice",
    "throttleWriteIOPSDevice",
  ],
  network: ["classID", "priorities"],
};

/** Fields with no cgroup code here, and the refusal of each (runc's words where it has them). */
const NO_CODE: Record<string, string> = {
  "hugepageLimits": "cannot set hugetlb limit: linux.resources.hugepageLimits needs the " +
    "hugetlb controller, which dockergsh-runc does not manage",
  "network": "cannot set net_cls/net_prio limit: linux.resources.network needs the net_cls " +
    "and net_prio controllers, which dockergsh-runc does not manage",
  "rdma": "cannot set rdma limit: linux.resources.rdma needs the rdma controller, which " +
    "dockergsh-runc does not manage",
};

const where = (path: string) => `linux.resources${path === "" ? "" : "." + path}`;

function refuse(path: string, why: string): RuntimeError {
  return new RuntimeError(`${where(path)} is not supported: ${why}`);
}

/** Checks that `v`, when given, is an integer (>= `min`). */
function integer(path: string, v: unknown, min = -Infinity): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    const kind = min === 0 ? "a non-negative integer" : "an integer";
    throw new RuntimeError(`${where(path)} must be ${kind}, not ${JSON.stringify(v)}`);
  }
}

function boolean(path: string, v: unknown): void {
  if (v !== undefined && v !== null && typeof v !== "boolean") {
    throw new RuntimeError(`${where(path)} must be true or false, not ${JSON.stringify(v)}`);
  }
}

/** Refuses a field no spec version has: it would be ignored. */
function knownFields(section: string, o: Json): void {
  for (const key of Object.keys(o)) {
    if (!FIELDS[section].includes(key)) {
      throw new RuntimeError(`${where(section === "" ? key : `${section}.${key}`)}: unknown field`);
    }
  }
}

/** A section of `r`: absent, or an object whose fields the spec has. */
function section(r: Json, name: string): Json | undefined {
  const s = r[name];
  if (s === undefined || s === null) return undefined;
  if (!isObject(s)) throw new RuntimeError(`${where(name)} must be an object`);
  if (FIELDS[name]) knownFields(name, s);
  return s;
}

function checkMemory(m: Json, version: "v1" | "v2", warnings: string[]): void {
  for (const key of ["limit", "reservation", "swap", "kernel", "kernelTCP"]) {
    integer(`memory.${key}`, m[key]);
  }
  for (const key of ["disableOOMKiller", "useHierarchy", "checkBeforeUpdate"]) {
    boolean(`memory.${key}`, m[key]);
  }
  if (given(m.kernel) || given(m.kernelTCP)) {
    warnings.push(
      "linux.resources.memory.kernel and kernelTCP are ignored: the kernel no longer limits " +
        "kernel memory apart (it counts toward the memory limit)",
    );
  }
  if (!swappinessUnset(m.swappiness)) {
    integer("memory.swappiness", m.swappiness);
    const s = m.swappiness as number;
    if (s < 0 || s > 100) {
      throw new RuntimeError(
        `linux.resources.memory.swappiness: invalid value ${s}, the valid range is 0-100`,
      );
    }
    if (version === "v2") throw refuse("memory.swappiness", "cgroup v2 has no memory.swappiness");
  }
  if (m.disableOOMKiller === true && version === "v2") {
    warnings.push(
      "linux.resources.memory.disableOOMKiller is ignored: cgroup v2 has no switch for the OOM killer",
    );
  }
  if (m.useHierarchy === false) {
    throw refuse("memory.useHierarchy", "the kernel always accounts memory hierarchically");
  }
}

function checkDevices(path: string, list: unknown, value: "weight" | "rate"): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new RuntimeError(`${where(path)} must be a list`);
  list.forEach((d, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(d)) throw new RuntimeError(`${where(at)} must be an object`);
    if (d.major === undefined || d.minor === undefined) {
      throw new RuntimeError(`${where(at)} needs major and minor`);
    }
    integer(`${at}.major`, d.major, 0);
    integer(`${at}.minor`, d.minor, 0);
    if (value === "rate") integer(`${at}.rate`, d.rate ?? 0, 0);
    else for (const key of ["weight", "leafWeight"]) integer(`${at}.${key}`, d[key], 0);
  });
}

function checkCpu(c: Json, version: "v1" | "v2"): void {
  for (const key of ["shares", "period", "burst", "realtimePeriod"]) {
    integer(`cpu.${key}`, c[key], 0);
  }
  for (const key of ["quota", "realtimeRuntime", "idle"]) integer(`cpu.${key}`, c[key]);
  for (const key of ["cpus", "mems"]) {
    if (c[key] !== undefined && c[key] !== null && typeof c[key] !== "string") {
      throw new RuntimeError(`${where(`cpu.${key}`)} must be a string`);
    }
  }
  if (version === "v2" && (given(c.realtimePeriod) || given(c.realtimeRuntime))) {
    throw refuse("cpu.realtimeRuntime/realtimePeriod", "cgroup v2 has no realtime CPU bandwidth");
  }
}

function checkBlockIO(b: Json, version: "v1" | "v2"): void {
  if (!given(b)) return;
  const leafWeights = Array.isArray(b.weightDevice) &&
    b.weightDevice.some((d) => isObject(d) && given(d.leafWeight));
  if (version === "v2" && (given(b.leafWeight) || leafWeights)) {
    throw refuse("blockIO.leafWeight", "cgroup v2 has no leaf weights");
  }
  integer("blockIO.weight", b.weight, 0);
  integer("blockIO.leafWeight", b.leafWeight, 0);
  checkDevices("blockIO.weightDevice", b.weightDevice, "weight");
  for (const key of FIELDS.blockIO.filter((k) => k.startsWith("throttle"))) {
    checkDevices(`blockIO.${key}`, b[key], "rate");
  }
}

/** `unified`: cgroup v2 files by name, each `CONTROLLER.FILE` with a string value (as runc). */
function checkUnified(u: unknown, version: "v1" | "v2"): void {
  if (u === undefined || u === null) return;
  if (!isObject(u)) throw new RuntimeError("linux.resources.unified must be an object");
  if (Object.keys(u).length === 0) return;
  if (version === "v1") {
    throw new RuntimeError(
      "linux.resources.unified: invalid configuration: cannot use unified on cgroup v1",
    );
  }
  for (const [name, value] of Object.entries(u)) {
    if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(name)) {
      throw new RuntimeError(
        `linux.resources.unified: ${JSON.stringify(name)} must be CONTROLLER.FILE (no slashes)`,
      );
    }
    if (typeof value !== "string") {
      throw new RuntimeError(`linux.resources.unified.${name} must be a string`);
    }
  }
}

/**
 * Refuses, in one line, what of `resources` (a spec's `linux.resources`)
 * the runtime would not apply on this `version` of cgroups; returns the
 * warnings for what it ignores as runc does.
 */
export function checkResources(resources: unknown, version: "v1" | "v2"): string[] {
  if (resources === undefined || resources === null) return [];
  if (!isObject(resources)) throw new RuntimeError("linux.resources must be an object");
  knownFields("", resources);
  const warnings: string[] = [];
  for (const [path, why] of Object.entries(NO_CODE)) {
    const [name, key] = path.split(".");
    const value = key === undefined ? resources[name] : (section(resources, name) ?? {})[key];
    if (given(value)) throw new RuntimeError(why);
  }
  checkUnified(resources.unified, version);
  const memory = section(resources, "memory");
  if (memory) checkMemory(memory, version, warnings);
  const blockIO = section(resources, "blockIO");
  if (blockIO) checkBlockIO(blockIO, version);
  const cpu = section(resources, "cpu");
  if (cpu) checkCpu(cpu, version);
  integer("pids.limit", section(resources, "pids")?.limit);
  return warnings;
}
