/**
 * The identity of Docker's default seccomp profile data
 * (`_docker_default_seccomp.ts`): the sha256 of its JSON. A container's
 * resolved profile is cached under it (src/container/container_seccomp.ts),
 * so a start that finds one never loads the profile at all;
 * test/security/seccomp_test.ts checks it against the data, so a change to
 * the profile cannot reuse an old resolution.
 *
 * @module
 */

/** sha256 of `JSON.stringify(DOCKER_DEFAULT_PROFILE)`. */
export const DOCKER_DEFAULT_SECCOMP_SHA256 =
  "dad2f24654c80710e527a8002b94f8a8a7621b3313615cff114119064413a474";
