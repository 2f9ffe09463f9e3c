/**
 * `create`: resolve the image, write the container record (with a unique
 * name) and make the container's directory: overlay upper/work/merged and
 * the files later bind-mounted over /etc/hostname, /etc/hosts and
 * /etc/resolv.conf. Nothing runs yet.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { recordEvent } from "../events/events.ts";
import { ImageStore } from "../image/store.ts";
import { checkNetworkRequest } from "../network/container_network.ts";
import { DEFAULT_PATH } from "../process/lookup.ts";
import { needsSpace } from "../store/disk_full.ts";
import { newId } from "../store/ids.ts";
import { mergeEnv } from "./_env.ts";
import type { StateRoot } from "../store/paths.ts";
import { capabilityList, DEFAULT_SECURITY, seccompFromUserProfile } from "./container_spec.ts";
import type { ContainerConfig, ContainerRecord, SecurityConfig } from "./record.ts";
import { createdState } from "./record.ts";
import { ContainerStore } from "./store.ts";
import { eventSubject } from "./events.ts";

/** What the user asked for; the image's defaults fill the gaps. */
export interface CreateSpec extends Omit<ContainerConfig, "imageId" | "hostname" | "workingDir"> {
  name?: string;
  hostname?: string;
  workingDir?: string;
}

/** Paths inside a container's directory. */
export function containerPaths(root: StateRoot, id: string) {
  const dir = root.container(id);
  return {
    dir,
    upper: `${dir}/upper`,
    work: `${dir}/work`,
    merged: `${dir}/merged`,
    hostname: `${dir}/hostname`,
    hosts: `${dir}/hosts`,
    resolvConf: `${dir}/resolv.conf`,
    log: `${dir}/container.log`,
    /** Where `run -t` mounts the container's devpts instance until the container has it. */
    devpts: `${dir}/devpts`,
  };
}

/**
 * Docker's environment: PATH default, image env, HOSTNAME/TERM, then `-e`.
 * HOME is the init's to add, from the user's passwd entry, as Docker does.
 */
function containerEnv(
  imageEnv: readonly string[],
  userEnv: readonly string[],
  hostname: string,
  tty: boolean,
): string[] {
  const base = mergeEnv([`PATH=${DEFAULT_PATH}`], imageEnv);
  const defaults = [`HOSTNAME=${hostname}`, ...(tty ? ["TERM=xterm"] : [])];
  return mergeEnv(mergeEnv(base, defaults), userEnv);
}

/** A host file's text, or "" when the host has none (the container then gets an empty one, as Docker). */
function hostFile(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/**
 * The host's resolv.conf; with a network namespace of its own, minus the
 * loopback nameservers the container cannot reach.
 */
function resolvConf(hostNetwork: boolean): string {
  const host = hostFile("/etc/resolv.conf");
  if (hostNetwork) return host;
  return host.split("\n").filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l)).join("\n");
}

/** The image's USER applies when `-u` names none. */
function withImageUser(security: SecurityConfig, imageUser: string | undefined): SecurityConfig {
  if (security.user !== undefined || !imageUser) return security;
  return { ...security, user: imageUser };
}

/**
 * Creates the container (state "created") and returns its record. On a
 * full disk: one NoSpaceError, and nothing of the container left.
 */
export function createContainer(root: StateRoot, spec: CreateSpec): Promise<ContainerRecord> {
  return needsSpace(root, () => create(root, spec));
}

async function create(root: StateRoot, spec: CreateSpec): Promise<ContainerRecord> {
  const image = new ImageStore(root).resolve(spec.image);
  // Docker: the image's ENTRYPOINT, then the given command or else the image's CMD.
  const args = spec.cmd.length ? spec.cmd : image.config?.cmd ?? [];
  const cmd = [...(image.config?.entrypoint ?? []), ...args];
  if (cmd.length === 0) {
    throw new UserError("dockergsh: Error response from daemon: No command specified.");
  }
  checkNetworkRequest(root, spec);
  const security = spec.security ?? DEFAULT_SECURITY;
  // A bad profile is refused now, in one line, not at start (as Docker).
  if (typeof security.seccomp === "object") {
    await seccompFromUserProfile(security.seccomp.profile, capabilityList(security));
  }
  const id = newId();
  const hostNetwork = spec.networkMode === "host";
  // Docker: a container on the host's network has the host's name unless given one.
  const hostname = spec.hostname ?? (hostNetwork ? Deno.hostname() : id.slice(0, 12));
  const { name, ...rest } = spec;
  const config: ContainerConfig = {
    ...rest,
    imageId: image.id,
    cmd,
    hostname,
    workingDir: spec.workingDir ?? image.config?.workingDir ?? "/",
    env: containerEnv(image.config?.env ?? [], spec.env, hostname, spec.tty),
    security: withImageUser(security, image.config?.user),
  };
  const store = new ContainerStore(root);
  const record = store.create(
    { id, created: new Date().toISOString(), config, state: createdState() },
    name,
  );
  try {
    const p = containerPaths(root, id);
    for (const dir of [p.upper, p.work, p.merged]) Deno.mkdirSync(dir, { mode: 0o755 });
    Deno.writeTextFileSync(p.hostname, `${hostname}\n`, { mode: 0o644 });
    Deno.writeTextFileSync(p.resolvConf, resolvConf(hostNetwork), { mode: 0o644 });
    Deno.writeTextFileSync(p.hosts, hostNetwork ? hostFile("/etc/hosts") : "", { mode: 0o644 });
  } catch (err) {
    store.delete(id);
    throw err;
  }
  recordEvent(root, "create", eventSubject(record));
  return record;
}
