/**
 * How a start meets the user's terminal, and what that makes of the
 * init's fds 0-2 when it is spawned: apart from container_start.ts, so
 * that `run` can spawn the init before it loads the rest of a start.
 *
 * @module
 */

import type { SpawnStdio } from "../process/spawn_init.ts";

/** How the user's terminal meets the container. */
export type AttachMode =
  /** Foreground, stdio through pipes dockergsh relays (`run`, `run -i`). */
  | "foreground"
  /** Foreground through a new pseudo-terminal (`run -t`). */
  | "tty"
  /** Background; output to the container's log (`run -d`, `start`). */
  | "detached";

/**
 * The init's fds 0-2 at its spawn, for a container attached in `mode`. A
 * `-i` container's stdin is a pipe in the background too, as Docker's: its
 * parent holds the other end, so its command (`cat`, a shell) reads no end
 * of file and runs on.
 */
export function initSpawnStdio(mode: AttachMode, openStdin: boolean): SpawnStdio {
  return {
    stdin: mode !== "tty" && openStdin ? "piped" : "null",
    stdout: mode === "foreground" ? "piped" : "null",
    stderr: mode === "foreground" ? "piped" : "null",
  };
}

/**
 * The exec init's fds 0-2 at its spawn: pipes this process relays when
 * attached without a terminal (stdin too with -i); with -t the command gets
 * a pty of the container's and the init none of ours; detached, nothing.
 */
export function execSpawnStdio(
  exec: { detach: boolean; tty: boolean; interactive: boolean },
): SpawnStdio {
  const attached = !exec.detach && !exec.tty;
  return {
    stdin: attached && exec.interactive ? "piped" : "null",
    stdout: attached ? "piped" : "null",
    stderr: attached ? "piped" : "null",
  };
}
