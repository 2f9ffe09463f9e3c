/**
 * A container as its events name it (Docker's actor attributes).
 *
 * @module
 */

import type { EventSubject } from "../events/events.ts";
import type { ContainerRecord } from "./record.ts";

/** The event subject of `record`: its ID, name and image as the user gave it. */
export function eventSubject(record: ContainerRecord): EventSubject {
  return { id: record.id, name: record.name, image: record.config.image };
}
