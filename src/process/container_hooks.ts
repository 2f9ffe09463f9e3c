/**
 * OCI hooks the container's init runs itself, inside the container
 * (`startContainer`: after `start`, confined as the container is, before
 * the user's process; its path resolves in the container). Each hook is
 * spawned with the container's state as JSON on its stdin (a pipe filled
 * before the spawn) and waited for; one that fails, or outlives its
 * `timeout` (then killed), stops the container from starting.
 *
 * @module
 */

import { sleepSync } from "./_sleep_sync.ts";
import { O_CLOEXEC, SIGNALS, WNOHANG } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { Hook } from "../oci/spec.ts";
import { writeAll } from "./channel.ts";
import { exitStatusCode } from "./wait_status.ts";

/** A pipe holds this much without a reader (Linux's default 64 KiB, less a margin). */
const MAX_STATE_BYTES = 60 * 1024;
const POLL_MS = 5;

/** Runs `hooks` of `kind` in order with `state` (JSON) on each one's stdin; throws on a failure. */
export function runHooksInContainer(
  kernel: Kernel,
  kind: string,
  hooks: readonly Hook[],
  state: string,
): void {
  const bytes = new TextEncoder().encode(state);
  if (bytes.length > MAX_STATE_BYTES) throw new Error(`${kind} hooks: the state is too large`);
  for (const hook of hooks) {
    debug("init", `${kind} hook ${hook.path}`);
    const [readEnd, writeEnd] = kernel.pipe2(O_CLOEXEC);
    try {
      writeAll(kernel, writeEnd, bytes);
    } finally {
      kernel.close(writeEnd);
    }
    let pid: number;
    try {
      pid = kernel.spawn(hook.path, hook.args ?? [hook.path], hook.env ?? [], {
        stdin: readEnd,
        newSession: false,
      });
    } finally {
      kernel.close(readEnd);
    }
    const deadline = hook.timeout ? Date.now() + hook.timeout * 1000 : Infinity;
    for (;;) {
      const { pid: done, status } = kernel.waitpid(pid, WNOHANG);
      if (done === pid) {
        if (status !== 0) {
          throw new Error(`${kind} hook ${hook.path}: exit status ${exitStatusCode(status)}`);
        }
        break;
      }
      if (Date.now() > deadline) {
        kernel.kill(pid, SIGNALS.SIGKILL);
        kernel.waitpid(pid, 0);
        throw new Error(`${kind} hook ${hook.path}: killed after its timeout of ${hook.timeout}s`);
      }
      sleepSync(POLL_MS);
    }
  }
}
