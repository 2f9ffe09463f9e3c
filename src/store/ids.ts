/**
 * Container and image identifiers, and the checks that let a user-supplied
 * name or ID become part of a path.
 *
 * @module
 */

/** A new 64-hex-digit ID, like Docker's. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Full 64-hex IDs. */
export const FULL_ID = /^[0-9a-f]{64}$/;

/** Docker's container name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** True when `s` may be used as a container name. */
export function isValidName(s: string): boolean {
  return s.length <= 128 && CONTAINER_NAME.test(s);
}

/** Short form shown by `ps` and `images`: the first 12 hex digits. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}
