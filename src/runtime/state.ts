/**
 * `state`: a container's runtime-spec state as JSON.
 *
 * @module
 */

import type { State } from "../oci/state.ts";
import { notExist } from "./errors.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord } from "./record.ts";
import { ociState, statusOf } from "./status.ts";

/** Container `id`'s state now. */
export function containerState(root: RuntimeRoot, id: string): State {
  const paths = root.container(id);
  const record = readRecord(paths);
  if (!record) throw notExist(id);
  return ociState(record, statusOf(paths, record));
}
