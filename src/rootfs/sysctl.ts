/**
 * `linux.sysctl`: kernel parameters written under the container's own
 * /proc/sys after pivot_root. Only parameters that belong to a namespace
 * the container has of its own may be set (as runc allows them): IPC
 * (`kernel.msg*`, `kernel.sem`, `kernel.shm*`, `fs.mqueue.*`), UTS
 * (`kernel.hostname`, `kernel.domainname`) and network (`net.*`);
 * anything else would change the host.
 *
 * @module
 */

import { debug } from "../debug.ts";

const IPC_SYSCTLS = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);

const KEY = /^[a-z0-9_]+([./][a-zA-Z0-9_@:+-]+)*$/;

/**
 * Why `key` may not be set in a container with new namespaces `ownNamespaces`
 * (OCI types: `ipc`, `uts`, `network`, …), or undefined when it may.
 */
export function sysctlRefusal(key: string, ownNamespaces: readonly string[]): string | undefined {
  if (!KEY.test(key)) return `sysctl "${key}" is not a valid parameter name`;
  const k = key.replaceAll("/", ".");
  const needs = IPC_SYSCTLS.has(k) || k.startsWith("fs.mqueue.")
    ? "ipc"
    : k === "kernel.hostname" || k === "kernel.domainname"
    ? "uts"
    : k.startsWith("net.")
    ? "network"
    : undefined;
  if (needs === undefined) return `sysctl "${key}" is not in a namespace of the container's own`;
  if (!ownNamespaces.includes(needs)) {
    return `sysctl "${key}" needs a ${needs} namespace of the container's own`;
  }
  return undefined;
}

/** Writes each parameter under `root`/proc/sys (root: "" after pivot_root). */
export function writeSysctls(sysctl: Readonly<Record<string, string>>, root = ""): void {
  for (const [key, value] of Object.entries(sysctl)) {
    if (!KEY.test(key)) throw new Error(`sysctl "${key}" is not a valid parameter name`);
    const path = `${root}/proc/sys/${key.replaceAll(".", "/")}`;
    debug("init", `sysctl ${key}=${value}`);
    Deno.writeTextFileSync(path, value);
  }
}
