/**
 * `attach`: the output of a running container from now on, until it
 * exits; then its exit code. A detached container writes its output to
 * its log file itself (there is no daemon holding its stdio), so
 * attaching is following that log from its current end; stdin cannot be
 * attached to a container started detached (its stdin is /dev/null).
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { recordEvent } from "../events/events.ts";
import type { StateRoot } from "../store/paths.ts";
import { signalContainer } from "./container_kill.ts";
import { type LogStream, readLogs } from "./container_logs.ts";
import { waitContainer } from "./container_wait.ts";
import { eventSubject } from "./events.ts";
import type { ContainerRecord } from "./record.ts";

/** Signals `attach` passes on to the container (Docker's --sig-proxy). */
const PROXIED: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/**
 * Writes `record`'s output from now until it exits to `write`, each piece
 * with the stream it came from (false: the reader is gone, stop); resolves
 * to its exit code. With `proxySignals`, the signals the CLI gets are sent
 * to the container.
 */
export async function attachContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  write: (stream: LogStream, data: Uint8Array) => boolean,
  proxySignals: boolean,
): Promise<number> {
  if (record.state.status !== "running") {
    throw new UserError("You cannot attach to a stopped container, start it first", 1);
  }
  if (record.state.paused) {
    throw new UserError("You cannot attach to a paused container, unpause it first", 1);
  }
  recordEvent(root, "attach", eventSubject(record));
  const handlers = proxySignals
    ? PROXIED.map((sig) => {
      const h = () => signalContainer(root, kernel, record, SIGNALS[sig]);
      Deno.addSignalListener(sig, h);
      return [sig, h] as const;
    })
    : [];
  try {
    for await (const { stream, bytes } of readLogs(root, record, { tail: 0, follow: true })) {
      if (!write(stream, bytes)) break;
    }
    return await waitContainer(root, record);
  } finally {
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  }
}
