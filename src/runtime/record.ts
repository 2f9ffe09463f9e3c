/**
 * What the runtime keeps of a created container in `state.json`: the spec
 * it was made from (later operations, hooks and `exec` read it, not the
 * bundle, which its owner may change), its init and where its cgroup is.
 *
 * @module
 */

import type { SessionKeyring } from "../security/session_keyring.ts";
import type { Spec } from "../oci/spec.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import type { CgroupLocation } from "./cgroup.ts";
import type { ContainerPaths } from "./paths.ts";

/** One container's record. */
export interface RuntimeRecord {
  id: string;
  bundle: string;
  /** The container's init as the host sees it. */
  pid: number;
  /** Its starttime (/proc/<pid>/stat), to tell a recycled PID apart. */
  pidStartTime: number;
  created: string;
  cgroup: CgroupLocation;
  /** The bundle's config.json as created (root.path absolute). */
  spec: Spec;
  /** Its session keyring, which its execs join; none (`--no-new-keyring`): the caller's. */
  sessionKeyring?: SessionKeyring;
}

/** The record, or undefined when create did not get as far as writing it. */
export function readRecord(paths: ContainerPaths): RuntimeRecord | undefined {
  return readJson<RuntimeRecord>(paths.state);
}

/** Writes the record atomically (mode 0600). */
export function writeRecord(paths: ContainerPaths, record: RuntimeRecord): void {
  writeJsonAtomic(paths.state, record);
}
