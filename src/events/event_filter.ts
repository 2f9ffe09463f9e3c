/**
 * `events --filter KEY=VALUE`: values of one key are alternatives, keys
 * must all match (Docker's filters.Args). The keys of container events:
 * `container` (name, ID or ID prefix), `event` (the action), `type`,
 * `image`, `label` (`key` or `key=value` among the attributes). Docker
 * 20.10 accepts other keys and ignores them; so does this.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { EngineEvent } from "./events.ts";

/** A predicate over events, built from the `--filter` values. */
export type EventFilter = (event: EngineEvent) => boolean;

function matchesKey(key: string, value: string, e: EngineEvent): boolean {
  const attrs = e.Actor.Attributes;
  switch (key) {
    case "container":
      return value === attrs.name || (value.length > 0 && e.Actor.ID.startsWith(value));
    case "event":
      return value === e.Action;
    case "type":
      return value === e.Type;
    case "image":
      return value === attrs.image || `${value}:latest` === attrs.image ||
        value === `${attrs.image}:latest`;
    case "label": {
      const eq = value.indexOf("=");
      return eq < 0 ? value in attrs : attrs[value.slice(0, eq)] === value.slice(eq + 1);
    }
    default:
      return true;
  }
}

/** The filter the `--filter` values describe. */
export function eventFilter(specs: readonly string[]): EventFilter {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new UserError(`dockergsh: bad format of filter (expected name=value)`);
    const key = spec.slice(0, eq).toLowerCase();
    byKey.set(key, [...byKey.get(key) ?? [], spec.slice(eq + 1)]);
  }
  return (e) => [...byKey].every(([key, values]) => values.some((v) => matchesKey(key, v, e)));
}
