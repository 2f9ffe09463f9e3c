/**
 * `list`: every container under the root, with its state.
 *
 * @module
 */

import type { State } from "../oci/state.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord } from "./record.ts";
import { ociState, statusOf } from "./status.ts";

/** The state of each container whose record exists, by ID. */
export function listContainers(root: RuntimeRoot): State[] {
  const out: State[] = [];
  for (const id of root.ids()) {
    const paths = root.container(id);
    const record = readRecord(paths);
    if (record) out.push(ociState(record, statusOf(paths, record)));
  }
  return out;
}
