/**
 * An OCI bundle: `config.json` and the root filesystem it names. Read and
 * checked before anything is made, so a bad bundle leaves nothing behind:
 * also what of it the runtime cannot apply (SELinux labels, an AppArmor
 * profile, cgroup limits it has no code for; resource_support.ts).
 *
 * @module
 */

import type { Process, Root, Spec } from "../oci/spec.ts";
import { hostCgroupVersion } from "../cgroup/container_cgroup.ts";
import { RuntimeError } from "./errors.ts";
import { checkResources, given } from "./resource_support.ts";

/** A checked spec: it has a process and a root, whose path is absolute. */
export type BundleSpec = Spec & { process: Process; root: Root };

/** A loaded bundle. */
export interface Bundle {
  /** Its absolute, symlink-free path. */
  dir: string;
  spec: BundleSpec;
}

function bad(what: string): RuntimeError {
  return new RuntimeError(`config.json: ${what}`);
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/** Throws unless `p` is a usable `process` (also for `exec --process`). */
export function checkProcess(p: unknown, where = "process"): asserts p is Process {
  if (typeof p !== "object" || p === null) throw bad(`${where} is missing`);
  const proc = p as Record<string, unknown>;
  if (!isStringArray(proc.args) || proc.args.length === 0) {
    throw bad(`${where}.args must be a non-empty list of strings`);
  }
  if (typeof proc.cwd !== "string" || !proc.cwd.startsWith("/")) {
    throw bad(`${where}.cwd must be an absolute path`);
  }
  if (proc.env !== undefined && !isStringArray(proc.env)) {
    throw bad(`${where}.env must be a list of strings`);
  }
  const user = proc.user as Record<string, unknown> | undefined;
  if (
    typeof user !== "object" || user === null || !Number.isInteger(user.uid) ||
    !Number.isInteger(user.gid)
  ) {
    throw bad(`${where}.user must have integer uid and gid`);
  }
  // Neither can be applied here: a process that should run confined by a
  // label or profile does not run at all (runc's words for SELinux).
  if (given(proc.selinuxLabel)) {
    throw new RuntimeError(
      "selinux label is specified in config, but selinux is disabled or not supported",
    );
  }
  if (given(proc.apparmorProfile)) {
    throw new RuntimeError(
      "apparmor profile is specified in config, but apparmor is disabled or not supported",
    );
  }
}

/** `process.consoleSize` as a terminal's rows and columns (undefined without one). */
export function consoleSize(process: Process): { rows: number; cols: number } | undefined {
  const size = process.consoleSize;
  if (!size) return undefined;
  if (!Number.isInteger(size.height) || !Number.isInteger(size.width)) {
    throw bad("process.consoleSize must have integer height and width");
  }
  return { rows: size.height, cols: size.width };
}

/** Reads and checks `<dir>/config.json`; `root.path` is made absolute. */
export function loadBundle(dirArg: string): Bundle {
  let dir: string;
  try {
    dir = Deno.realPathSync(dirArg);
  } catch {
    throw new RuntimeError(`bundle ${dirArg}: no such directory`);
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/config.json`);
  } catch {
    throw new RuntimeError(`JSON specification file config.json not found in ${dir}`);
  }
  let spec: Spec;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw bad(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof spec !== "object" || spec === null) throw bad("not a JSON object");
  if (typeof spec.ociVersion !== "string") throw bad("ociVersion is missing");
  checkProcess(spec.process);
  if (typeof spec.root?.path !== "string" || spec.root.path === "") {
    throw bad("root.path is missing");
  }
  if (given(spec.linux?.mountLabel)) {
    throw new RuntimeError(
      "mount label is specified in config, but selinux is disabled or not supported",
    );
  }
  for (const warning of checkResources(spec.linux?.resources, hostCgroupVersion())) {
    console.error(`dockergsh-runc: warning: ${warning}`);
  }
  const rootPath = spec.root.path.startsWith("/") ? spec.root.path : `${dir}/${spec.root.path}`;
  let root: string;
  try {
    root = Deno.realPathSync(rootPath);
    if (!Deno.statSync(root).isDirectory) throw new Error();
  } catch {
    throw bad(`root.path ${rootPath} is not a directory`);
  }
  for (const m of spec.mounts ?? []) {
    if (typeof m.destination !== "string" || !m.destination.startsWith("/")) {
      throw bad(`mount destination ${JSON.stringify(m.destination)} is not an absolute path`);
    }
  }
  for (const [kind, hooks] of Object.entries(spec.hooks ?? {})) {
    for (const h of hooks ?? []) {
      if (typeof h.path !== "string" || !h.path.startsWith("/")) {
        throw bad(`hooks.${kind}: path ${JSON.stringify(h.path)} is not absolute`);
      }
    }
  }
  const process = spec.process as Process;
  return { dir, spec: { ...spec, process, root: { ...spec.root, path: root } } };
}
