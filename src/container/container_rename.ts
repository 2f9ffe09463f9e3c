/**
 * `rename`: give a container a new name. The new name is checked and
 * reserved under the `containers` lock that guards every name, so a
 * concurrent `create --name` or `rename` cannot take it too.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { recordEvent } from "../events/events.ts";
import { isValidName } from "../store/ids.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { eventSubject } from "./events.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** Docker's CLI exits 1 when the daemon refuses the request. */
const REFUSED = 1;

function refused(message: string): UserError {
  return new UserError(`Error response from daemon: ${message}`, REFUSED);
}

/** Renames `record`'s container to `newName` (a leading "/" is allowed, as Docker). */
export function renameContainer(
  root: StateRoot,
  record: ContainerRecord,
  newName: string,
): ContainerRecord {
  const name = newName.replace(/^\//, "");
  if (!isValidName(name)) {
    throw refused(
      `Error when allocating new name: Invalid container name (/${name}), ` +
        "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
    );
  }
  if (name === record.name) {
    throw refused("Renaming a container with the same name as its current name");
  }
  const store = new ContainerStore(root);
  const renamed = withLock(root, "containers", () => {
    const holder = store.ids().find((id) => store.load(id)?.name === name);
    if (holder !== undefined) {
      throw refused(
        `Error when allocating new name: Conflict. The container name "/${name}" is already ` +
          `in use by container "${holder}". You have to remove (or rename) that container to ` +
          "be able to reuse that name.",
      );
    }
    return store.update(record.id, (rec) => ({ ...rec, name }));
  });
  recordEvent(root, "rename", eventSubject(renamed), { oldName: `/${record.name}` });
  return renamed;
}
