/**
 * Docker seccomp profiles → the OCI `linux.seccomp` a container's init
 * loads. Docker's default profile and users' `--security-opt
 * seccomp=FILE` profiles go through the same resolution: a rule is kept
 * when its `includes` hold and its `excludes` do not, for the container's
 * capabilities, the host's architecture and kernel (moby's semantics:
 * included caps must all be held, any excluded cap drops the rule).
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { LinuxSeccomp, SeccompSyscall } from "./spec.ts";
import { DOCKER_DEFAULT_PROFILE } from "./_docker_default_seccomp.ts";
import type {
  DockerSeccompFilter,
  DockerSeccompProfile,
  DockerSeccompSyscall,
} from "./docker_seccomp_profile.ts";

/** What a profile's conditions are evaluated against. */
export interface SeccompHost {
  /** `Deno.build.arch` form: `x86_64` or `aarch64`. */
  arch: string;
  /** Kernel release, `Deno.osRelease()` form (`6.1.0-18-amd64`). */
  kernel: string;
}

/** Per host architecture: the names profiles use for it, and its libseccomp arch. */
const ARCHES: Readonly<Record<string, { names: string[]; scmp: string }>> = {
  x86_64: { names: ["amd64", "x86_64"], scmp: "SCMP_ARCH_X86_64" },
  aarch64: { names: ["arm64", "aarch64"], scmp: "SCMP_ARCH_AARCH64" },
};

function thisHost(): SeccompHost {
  return { arch: Deno.build.arch, kernel: Deno.osRelease() };
}

function malformed(message: string): UserError {
  return new UserError(`decoding seccomp profile failed: ${message}`);
}

/** `[major, minor]` of `6.1.0-18-amd64` or `4.8`. */
function kernelVersion(release: string, what: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (m === null) throw malformed(`${what} ${JSON.stringify(release)} is not MAJOR.MINOR`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast(kernel: [number, number], min: [number, number]): boolean {
  return kernel[0] !== min[0] ? kernel[0] > min[0] : kernel[1] >= min[1];
}

/** Capability names as `CAP_X`, whatever case and prefix the caller used. */
function capabilitySet(capabilities: readonly string[]): Set<string> {
  return new Set(capabilities.map((c) => {
    const up = c.toUpperCase();
    return up.startsWith("CAP_") ? up : `CAP_${up}`;
  }));
}

interface Context {
  caps: Set<string>;
  archNames: string[];
  kernel: [number, number];
}

function applies(rule: DockerSeccompSyscall, at: string, ctx: Context): boolean {
  const inc: DockerSeccompFilter = rule.includes ?? {};
  const exc: DockerSeccompFilter = rule.excludes ?? {};
  if (inc.caps && !inc.caps.every((c) => ctx.caps.has(c))) return false;
  if (inc.arches?.length && !inc.arches.some((a) => ctx.archNames.includes(a))) return false;
  if (
    inc.minKernel && !atLeast(ctx.kernel, kernelVersion(inc.minKernel, `${at}.includes.minKernel`))
  ) {
    return false;
  }
  if (exc.caps?.some((c) => ctx.caps.has(c))) return false;
  if (exc.arches?.some((a) => ctx.archNames.includes(a))) return false;
  if (
    exc.minKernel && atLeast(ctx.kernel, kernelVersion(exc.minKernel, `${at}.excludes.minKernel`))
  ) {
    return false;
  }
  return true;
}

function architectures(profile: DockerSeccompProfile, scmp: string): string[] {
  if (profile.architectures?.length && profile.archMap?.length) {
    throw malformed("both 'architectures' and 'archMap' are given, use one of them");
  }
  if (profile.architectures) return [...profile.architectures];
  const out: string[] = [];
  for (const entry of profile.archMap ?? []) {
    if (entry.architecture === scmp) out.push(scmp, ...(entry.subArchitectures ?? []));
  }
  return out;
}

/**
 * Resolves a Docker profile for a container holding `capabilities` (names
 * with or without `CAP_`; Docker uses the bounding set) on `host`.
 */
export function resolveDockerProfile(
  profile: DockerSeccompProfile,
  capabilities: readonly string[],
  host: SeccompHost = thisHost(),
): LinuxSeccomp {
  const arch = ARCHES[host.arch];
  if (arch === undefined) throw new UserError(`seccomp: unsupported architecture ${host.arch}`);
  const ctx: Context = {
    caps: capabilitySet(capabilities),
    archNames: arch.names,
    kernel: kernelVersion(host.kernel, "kernel release"),
  };
  const syscalls: SeccompSyscall[] = [];
  (profile.syscalls ?? []).forEach((rule, i) => {
    const at = `syscalls[${i}]`;
    if (rule.name && rule.names?.length) {
      throw malformed(`${at} has both 'name' and 'names', use one of them`);
    }
    if (!applies(rule, at, ctx)) return;
    const out: SeccompSyscall = {
      names: rule.name ? [rule.name] : [...(rule.names ?? [])],
      action: rule.action,
    };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (rule.args?.length) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  });
  const spec: LinuxSeccomp = {
    defaultAction: profile.defaultAction,
    architectures: architectures(profile, arch.scmp),
    syscalls,
  };
  if (profile.defaultErrnoRet !== undefined) spec.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) spec.flags = [...profile.flags];
  return spec;
}

/** Docker's default profile resolved for a container holding `capabilities`. */
export function dockerDefaultSeccomp(
  capabilities: readonly string[],
  host: SeccompHost = thisHost(),
): LinuxSeccomp {
  return resolveDockerProfile(DOCKER_DEFAULT_PROFILE, capabilities, host);
}

/**
 * A user's profile file (Docker's JSON format) resolved for a container
 * holding `capabilities`. A malformed profile throws one `UserError` line
 * naming the field.
 */
export function seccompFromDockerProfile(
  json: string,
  capabilities: readonly string[],
  host: SeccompHost = thisHost(),
): LinuxSeccomp {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw malformed((e as Error).message);
  }
  return resolveDockerProfile(checkProfile(value), capabilities, host);
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

function expect(ok: boolean, at: string, what: string): void {
  if (!ok) throw malformed(`${at} must be ${what}`);
}

function optional(o: Json, key: string, at: string, ok: (v: unknown) => boolean, what: string) {
  if (o[key] !== undefined && o[key] !== null) expect(ok(o[key]), `${at}${key}`, what);
}

const isNumber = (v: unknown) => typeof v === "number";
const isString = (v: unknown) => typeof v === "string";

function checkFilter(v: unknown, at: string): void {
  expect(isObject(v), at, "an object");
  const o = v as Json;
  optional(o, "caps", `${at}.`, isStrings, "an array of strings");
  optional(o, "arches", `${at}.`, isStrings, "an array of strings");
  optional(o, "minKernel", `${at}.`, isString, "a string");
}

/** The shape of a parsed profile, checked field by field (values are checked later). */
function checkProfile(v: unknown): DockerSeccompProfile {
  expect(isObject(v), "the profile", "a JSON object");
  const p = v as Json;
  expect(isString(p.defaultAction), "defaultAction", "a string such as SCMP_ACT_ERRNO");
  optional(p, "defaultErrnoRet", "", isNumber, "a number");
  optional(p, "architectures", "", isStrings, "an array of strings");
  optional(p, "flags", "", isStrings, "an array of strings");
  optional(p, "archMap", "", Array.isArray, "an array");
  ((p.archMap ?? []) as unknown[]).forEach((m, i) => {
    const at = `archMap[${i}]`;
    expect(isObject(m) && isString(m.architecture), `${at}.architecture`, "a string");
    optional(m as Json, "subArchitectures", `${at}.`, isStrings, "an array of strings");
  });
  optional(p, "syscalls", "", Array.isArray, "an array");
  ((p.syscalls ?? []) as unknown[]).forEach((s, i) => {
    const at = `syscalls[${i}]`;
    expect(isObject(s), at, "an object");
    const r = s as Json;
    expect(isString(r.action), `${at}.action`, "a string such as SCMP_ACT_ALLOW");
    optional(r, "names", `${at}.`, isStrings, "an array of strings");
    optional(r, "name", `${at}.`, isString, "a string");
    expect(isStrings(r.names) || isString(r.name), at, "given 'names' (or 'name')");
    optional(r, "errnoRet", `${at}.`, isNumber, "a number");
    optional(r, "args", `${at}.`, Array.isArray, "an array");
    ((r.args ?? []) as unknown[]).forEach((a, j) => {
      const aat = `${at}.args[${j}]`;
      expect(isObject(a), aat, "an object");
      const arg = a as Json;
      expect(isNumber(arg.index), `${aat}.index`, "a number");
      expect(isNumber(arg.value), `${aat}.value`, "a number");
      optional(arg, "valueTwo", `${aat}.`, isNumber, "a number");
      expect(isString(arg.op), `${aat}.op`, "a string such as SCMP_CMP_EQ");
    });
    if (r.includes != null) checkFilter(r.includes, `${at}.includes`);
    if (r.excludes != null) checkFilter(r.excludes, `${at}.excludes`);
  });
  if (p.listenerPath !== undefined && p.listenerPath !== "") {
    throw malformed("listenerPath (SCMP_ACT_NOTIFY) is not supported");
  }
  return p as unknown as DockerSeccompProfile;
}
