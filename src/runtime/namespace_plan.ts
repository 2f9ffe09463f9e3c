/**
 * `linux.namespaces` as the init's spawn needs it: which namespaces to
 * make and which to join by `path`. The cgroup namespace, when new, is
 * made by the init itself once it is in its cgroup (see init.ts).
 *
 * @module
 */

import type { LinuxIdMapping, Spec } from "../oci/spec.ts";
import type { NamespacePlan } from "../process/spawn_init.ts";
import { RuntimeError } from "./errors.ts";

/** OCI namespace type → name under /proc/<pid>/ns. */
const PROC_NAMES: Readonly<Record<string, string>> = {
  pid: "pid",
  network: "net",
  mount: "mnt",
  ipc: "ipc",
  uts: "uts",
  cgroup: "cgroup",
  user: "user",
};

/** `m` if its three numbers can be a line of uid_map/gid_map; the kernel checks the rest. */
function checkMapping(m: LinuxIdMapping): LinuxIdMapping {
  const ok = [m.containerID, m.hostID, m.size].every((n) => Number.isInteger(n) && n >= 0) &&
    m.size > 0;
  if (!ok) throw new RuntimeError(`linux id mapping ${JSON.stringify(m)} is not valid`);
  return { containerID: m.containerID, hostID: m.hostID, size: m.size };
}

/** The plan for `spec`; throws on what this runtime cannot do. */
export function planNamespaces(spec: Pick<Spec, "linux">): NamespacePlan {
  const plan: NamespacePlan = { create: [], join: [] };
  const seen = new Set<string>();
  for (const ns of spec.linux?.namespaces ?? []) {
    if (seen.has(ns.type)) throw new RuntimeError(`linux.namespaces: ${ns.type} is listed twice`);
    seen.add(ns.type);
    if (ns.type === "time") {
      throw new RuntimeError(
        "linux.namespaces: time namespaces are not supported by dockergsh-runc",
      );
    }
    if (ns.type === "user" && ns.path !== undefined) {
      throw new RuntimeError(
        "linux.namespaces: joining a user namespace by path is not supported by dockergsh-runc",
      );
    }
    const name = PROC_NAMES[ns.type];
    if (!name) throw new RuntimeError(`linux.namespaces: unknown type ${JSON.stringify(ns.type)}`);
    if (ns.path !== undefined) {
      if (!ns.path.startsWith("/")) {
        throw new RuntimeError(`linux.namespaces: ${ns.type} path ${ns.path} is not absolute`);
      }
      plan.join.push({ name, path: ns.path });
    } else if (name !== "cgroup") {
      plan.create.push(name);
    }
  }
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (plan.create.includes("user")) {
    // As runc: a user namespace with nobody mapped in it could run nothing.
    if (uid.length === 0 || gid.length === 0) {
      throw new RuntimeError(
        "linux.namespaces has a user namespace: linux.uidMappings and gidMappings are required",
      );
    }
    plan.idMappings = { uid: uid.map(checkMapping), gid: gid.map(checkMapping) };
  }
  if (!plan.create.includes("mnt") && !plan.join.some((j) => j.name === "mnt")) {
    throw new RuntimeError(
      "linux.namespaces must include a mount namespace (new or joined): the container's root " +
        "is pivoted in it, which in this runtime's own would replace the host's root",
    );
  }
  return plan;
}

/** The OCI types of the namespaces `spec` gives the container of its own (new or joined). */
export function ownNamespaceTypes(spec: Spec): string[] {
  return (spec.linux?.namespaces ?? []).map((ns) => ns.type);
}

/** The namespaces an `exec` joins, by /proc name: every one the container has of its own. */
export function execNamespaces(spec: Spec): string[] {
  return ownNamespaceTypes(spec).map((t) => PROC_NAMES[t]).filter((n) => n !== undefined);
}
