/**
 * Image references: `NAME[:TAG]`, Docker's grammar for the local names an
 * imported image can carry (no registry, no digest: images come from
 * tarballs here). A missing tag means `latest`.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** A parsed `NAME:TAG`. */
export interface ImageReference {
  repository: string;
  tag: string;
}

/** Docker's path component: lowercase alphanumerics joined by `.`, `_`, `__` or dashes. */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/** The tag a reference without one gets. */
export const DEFAULT_TAG = "latest";

/** Parses `ref`, or returns undefined when it is not a valid reference. */
export function tryParseReference(ref: string): ImageReference | undefined {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  const hasTag = colon > slash;
  const repository = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : DEFAULT_TAG;
  if (repository.length > 255 || !REPOSITORY.test(repository) || !TAG.test(tag)) return undefined;
  return { repository, tag };
}

/** Parses `ref`; an invalid one is Docker's "invalid reference format" error. */
export function parseReference(ref: string): ImageReference {
  const parsed = tryParseReference(ref);
  if (!parsed) {
    const why = ref !== ref.toLowerCase() ? ": repository name must be lowercase" : "";
    throw new UserError(`dockergsh: invalid reference format${why}: "${ref}"`);
  }
  return parsed;
}

/** `repository:tag`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.repository}:${ref.tag}`;
}
