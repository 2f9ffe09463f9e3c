/**
 * The OCI runtime specification's state of a container (runtime.md,
 * "State"): what `state` prints and what every hook reads on its stdin.
 * runc adds `rootfs`, `created` and `owner`, which clients read too
 * (go-runc's `Container`).
 *
 * @module
 */

/** The lifecycle states of the runtime-spec, and runc's `paused` (its cgroup frozen). */
export type ContainerStatus = "creating" | "created" | "running" | "paused" | "stopped";

/** One container's state. */
export interface State {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  /** The container's init as the host sees it; 0 once stopped. */
  pid: number;
  /** Absolute path of the bundle. */
  bundle: string;
  rootfs: string;
  /** When it was created, RFC 3339. */
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** The runtime-spec version this runtime implements. */
export const OCI_VERSION = "1.1.0";
