/**
 * Starting a container in the background: the monitor process (see
 * src/monitor/monitor.ts) starts it and stays its parent, so its exit code
 * is recorded even though the CLI that asked has long exited.
 *
 * @module
 */

import { requestStart } from "../monitor/client.ts";
import type { StateRoot } from "../store/paths.ts";
import type { ContainerRecord } from "./record.ts";
import { assertAllowed } from "./state.ts";

/** Starts `record`'s container detached; resolves to the running record. */
export function startDetached(root: StateRoot, record: ContainerRecord): Promise<ContainerRecord> {
  assertAllowed(record.state.status, "start");
  return requestStart(root, record.id);
}
