/**
 * Docker's CLI line `Using default tag: latest`, printed by `pull` and
 * `push` when the reference names neither a tag nor a digest.
 *
 * @module
 */

/** Whether `ref` names neither a tag nor a digest (its last path part has no `:` or `@`). */
export function usesDefaultTag(ref: string): boolean {
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  return !last.includes(":") && !ref.includes("@");
}
