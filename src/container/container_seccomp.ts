/**
 * A container's `linux.seccomp`, which the engine writes into its
 * config.json: Docker's default profile, or the user's `--security-opt
 * seccomp=PROFILE`, resolved for the container's capabilities (Docker's
 * default profile keeps the syscalls a capability needs when the container
 * holds it), the host's architecture and kernel; none for
 * `seccomp=unconfined`, nor for `--privileged` without a named profile
 * (Docker's rule).
 *
 * Converting a profile means loading the profile data and its converter at
 * every start, so each result is kept as JSON under `<root>/seccomp/`, by
 * the sha256 of what it was made from (the profile's identity or text,
 * the capabilities, and the runtime's `seccompCacheSalt()`: host, build and
 * libseccomp, so an upgraded converter converts again), written
 * atomically and root-only, and read back only when nobody but root can
 * have written it (src/store/root_only_file.ts); anything else is removed
 * and converted again. The runtime compiles it (src/runtime/seccomp_cache.ts).
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { DOCKER_DEFAULT_SECCOMP_SHA256 } from "../oci/docker_default_seccomp_id.ts";
import type { LinuxSeccomp } from "../oci/spec.ts";
import {
  seccompCacheSalt,
  seccompProgramFor,
  SeccompUnavailableError,
} from "../runtime/seccomp_cache.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import type { StateRoot } from "../store/paths.ts";
import { type CachedKind, discardCached, readRootOnlyFile } from "../store/root_only_file.ts";
import { sha256Hex } from "../store/sha256.ts";
import { seccompFromUserProfile } from "./container_spec.ts";
import type { SecurityConfig } from "./record.ts";

/** Far above any real profile (Docker's default, resolved, is ~20 KB). */
const MAX_PROFILE_BYTES = 1 << 20;

const PROFILE: CachedKind = {
  what: "seccomp profile",
  topic: "seccomp",
  badSize: (size) =>
    size === 0 || size > MAX_PROFILE_BYTES ? `${size} bytes, not a profile` : undefined,
};

/** What a filter is made from (naming its cached form), and how to make it. */
interface SeccompPlan {
  source: unknown;
  build: () => Promise<LinuxSeccomp>;
}

function planFor(security: SecurityConfig, caps: readonly string[]): SeccompPlan | undefined {
  const { seccomp } = security;
  if (seccomp === "unconfined") return undefined;
  if (seccomp === "default") {
    if (security.privileged) return undefined;
    return {
      source: ["docker-default", DOCKER_DEFAULT_SECCOMP_SHA256, caps],
      build: async () => (await import("../oci/seccomp_profile.ts")).dockerDefaultSeccomp(caps),
    };
  }
  return {
    source: ["profile", seccomp.profile, caps],
    build: () => seccompFromUserProfile(seccomp.profile, caps),
  };
}

/** The cached form at `path`, or undefined when there is none or it is not to be trusted. */
function readCached(kernel: Kernel, path: string): LinuxSeccomp | undefined {
  const data = readRootOnlyFile(kernel, path, PROFILE);
  if (data === undefined) return undefined;
  try {
    const spec = JSON.parse(new TextDecoder().decode(data));
    if (typeof spec?.defaultAction === "string") return spec;
  } catch {
    // Damaged: made again below.
  }
  return discardCached(path, PROFILE, "not a seccomp profile");
}

/**
 * The `linux.seccomp` of a container with `security` holding `caps` (its
 * bounding set); undefined for none.
 */
export async function containerSeccomp(
  root: StateRoot,
  kernel: Kernel,
  security: SecurityConfig,
  caps: readonly string[],
): Promise<LinuxSeccomp | undefined> {
  const plan = planFor(security, caps);
  if (!plan) {
    debug("seccomp", "no seccomp filter (unconfined or privileged)");
    return undefined;
  }
  const key = await sha256Hex(JSON.stringify([plan.source, ...seccompCacheSalt()]));
  const path = `${root.seccompPrograms}/${key}.json`;
  const cached = readCached(kernel, path);
  if (cached) {
    debug("seccomp", `profile for ${caps.length} capabilities: cached OCI form ${path}`);
    return cached;
  }
  const spec = await plan.build();
  unlessDiskFull(`keep the seccomp profile ${path}`, () => {
    Deno.mkdirSync(root.seccompPrograms, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, JSON.stringify(spec));
  });
  debug("seccomp", `profile for ${caps.length} capabilities: converted, kept as ${path}`);
  return spec;
}

/**
 * `err`, or, for a filter that could not be compiled for want of
 * libseccomp, the engine's one line (exit 125) with the way out.
 */
export function withSeccompAdvice(err: unknown): unknown {
  if (!(err instanceof SeccompUnavailableError)) return err;
  return new UserError(`dockergsh: ${err.message}; or run with --security-opt seccomp=unconfined`);
}

/** The compiled program of `seccomp`, from the runtime's cache under the state root. */
export async function containerSeccompProgram(
  root: StateRoot,
  kernel: Kernel,
  seccomp: LinuxSeccomp | undefined,
): Promise<Uint8Array | undefined> {
  try {
    return await seccompProgramFor(root.seccompPrograms, kernel, seccomp);
  } catch (err) {
    throw withSeccompAdvice(err);
  }
}
