/**
 * Starting a container in the background: the monitor process (see
 * monitor.ts) starts it and stays its parent, so its exit code is recorded
 * even though the CLI that asked has long exited. The monitor is the
 * layer above the container lifecycle: this asks it (client.ts), after
 * the checks and work that belong in the short-lived CLI.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { containerSeccomp, containerSeccompProgram } from "../container/container_seccomp.ts";
import { capabilityList, securityOf } from "../container/container_spec.ts";
import type { ContainerRecord } from "../container/record.ts";
import { assertAllowed } from "../container/state.ts";
import type { StateRoot } from "../store/paths.ts";
import { requestStart } from "./client.ts";

/**
 * Starts `record`'s container detached; resolves to the running record.
 * Its seccomp profile is converted and compiled (when not kept yet) here,
 * in the short-lived CLI, into the caches the monitor's start then reads:
 * libseccomp and the profile would otherwise stay in the
 * long-lived monitor (its PSS: 54.1 MB with one container when it compiled, 51.7 MB when the CLI did; measured).
 */
export async function startDetached(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
): Promise<ContainerRecord> {
  assertAllowed(record.state.status, "start");
  const security = securityOf(record.config);
  const seccomp = await containerSeccomp(root, kernel, security, capabilityList(security));
  await containerSeccompProgram(root, kernel, seccomp);
  return requestStart(root, record.id);
}
