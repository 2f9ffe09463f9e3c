/**
 * Image references, Docker's grammar: `NAME[:TAG]` for the local names an
 * image carries (a missing tag means `latest`), and, for a registry,
 * `[DOMAIN/]PATH[:TAG][@sha256:DIGEST]` with Docker's rules: a first
 * component is a domain only if it has a `.` or a `:` or is `localhost`;
 * otherwise the image is on Docker Hub (`docker.io`), where a one-component
 * path is under `library/`. Locally an image is named in Docker's familiar
 * form: `busybox:latest`, not `docker.io/library/busybox:latest`.
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

/** Docker Hub's name in references; its API answers at `registry-1.docker.io`. */
export const DOCKER_HUB = "docker.io";

/** A reference to an image in a registry. */
export interface RemoteReference {
  /** `docker.io`, `localhost:5000`, `127.0.0.1:5000`, `ghcr.io`… */
  domain: string;
  /** The repository inside the registry: `library/busybox`, `o/x`. */
  path: string;
  /** Undefined when a digest is given alone. */
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$/;
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Parses a registry reference; an invalid one is Docker's "invalid reference format" error. */
export function parseRemoteReference(ref: string): RemoteReference {
  const bad = (why = "") => new UserError(`dockergsh: invalid reference format${why}: "${ref}"`);
  const at = ref.indexOf("@");
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) throw bad();
  let name = at === -1 ? ref : ref.slice(0, at);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  let tag: string | undefined;
  if (colon > slash) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw bad();
  }
  const first = name.indexOf("/");
  const head = first === -1 ? "" : name.slice(0, first);
  const isDomain = head !== "" && (/[.:]/.test(head) || head === "localhost");
  let domain = isDomain ? head : DOCKER_HUB;
  let path = isDomain ? name.slice(first + 1) : name;
  if (domain === "index.docker.io") domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  if (path !== path.toLowerCase()) throw bad(": repository name must be lowercase");
  if (!DOMAIN.test(domain) || !PATH.test(path) || name.length > 255) throw bad();
  return { domain, path, tag: tag ?? (digest ? undefined : DEFAULT_TAG), digest };
}

/** The repository as a local name: `busybox`, `o/x`, `127.0.0.1:5000/library/x`. */
export function familiarRepository(ref: RemoteReference): string {
  if (ref.domain !== DOCKER_HUB) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith("library/") ? ref.path.slice(8) : ref.path;
}

/** The local `name:tag` a pull tags, or undefined for a pull by digest. */
export function localTag(ref: RemoteReference): string | undefined {
  return ref.tag === undefined || ref.digest ? undefined : `${familiarRepository(ref)}:${ref.tag}`;
}

/** The reference as shown in familiar form: `busybox:latest`, `x@sha256:…`. */
export function familiarReference(ref: RemoteReference): string {
  return ref.digest
    ? `${familiarRepository(ref)}@${ref.digest}`
    : `${familiarRepository(ref)}:${ref.tag}`;
}

/** The fully qualified reference: `docker.io/library/busybox:latest`. */
export function qualifiedReference(ref: RemoteReference): string {
  return `${ref.domain}/${ref.path}${ref.digest ? `@${ref.digest}` : `:${ref.tag}`}`;
}
