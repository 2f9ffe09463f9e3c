/**
 * OCI device cgroup rules (`linux.resources.devices`) checked and put in
 * one shape for the v1 and v2 drivers: explicit type, `*` for any number,
 * and the access as the kernel's bits.
 *
 * @module
 */

import type { LinuxDeviceCgroup } from "../oci/spec.ts";

/** Access bits, as the BPF device context carries them (linux/bpf.h BPF_DEVCG_ACC_*). */
export const ACCESS_BITS = { m: 1, r: 2, w: 4 } as const;
/** All three: `rwm`. */
export const ACCESS_ALL = 7;

/** A checked rule. */
export interface DeviceRule {
  allow: boolean;
  type: "a" | "c" | "b";
  major: number | "*";
  minor: number | "*";
  /** ACCESS_BITS or-ed. */
  access: number;
}

/** Largest major and minor number the kernel has (12 and 20 bits). */
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

function number(value: number | undefined, max: number, what: string, at: string): number | "*" {
  if (value === undefined || value === -1) return "*";
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`device rule ${at}: invalid ${what} ${value}`);
  }
  return value;
}

/** `rule` checked (index `i` names it in the error). */
export function checkDeviceRule(rule: LinuxDeviceCgroup, i: number): DeviceRule {
  const at = `${i} (${JSON.stringify(rule)})`;
  const type = rule.type ?? "a";
  if (type !== "a" && type !== "c" && type !== "b") {
    throw new Error(`device rule ${at}: invalid type ${JSON.stringify(type)}`);
  }
  const letters = rule.access ?? "rwm";
  let access = 0;
  for (const ch of letters) {
    const bit = ACCESS_BITS[ch as keyof typeof ACCESS_BITS];
    if (bit === undefined || access & bit) {
      throw new Error(`device rule ${at}: invalid access ${JSON.stringify(letters)}`);
    }
    access |= bit;
  }
  if (access === 0) throw new Error(`device rule ${at}: empty access`);
  return {
    allow: rule.allow,
    type,
    major: number(rule.major, MAX_MAJOR, "major", at),
    minor: number(rule.minor, MAX_MINOR, "minor", at),
    access,
  };
}

/** The access bits as letters in the kernel's order: `rwm`. */
export function accessLetters(access: number): string {
  return (access & ACCESS_BITS.r ? "r" : "") + (access & ACCESS_BITS.w ? "w" : "") +
    (access & ACCESS_BITS.m ? "m" : "");
}
