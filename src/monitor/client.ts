/**
 * Asking the monitor to start or restart a container, and starting the monitor when
 * there is none. A client whose connection is refused, or closed without an
 * answer (the monitor was shutting down), starts a monitor and asks again:
 * an accepted request is always answered, so a request is never half done.
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import { UserError } from "../errors.ts";
import type { ContainerRecord } from "../container/record.ts";
import { selfCommand } from "../process/spawn_init.ts";
import type { StateRoot } from "../store/paths.ts";
import type { MonitorRequest, StartReply } from "./protocol.ts";
import { monitorSocket } from "./protocol.ts";
import { debug } from "../debug.ts";

const ATTEMPTS = 50;

/**
 * V8 flags of the monitor (DENO_V8_FLAGS, which `deno run` and a compiled
 * binary both read): a young generation of 1 MB semi-spaces, where V8 would
 * grow it to several MB as its allocations survive. The monitor's live
 * heap is small and its work light; measured with 10 detached
 * containers: anonymous memory 19.4 MB to 17.7 MB, its start handling
 * no slower. Its children inherit it: those running Deno (a container's
 * init) exec the user's command with the container's own environment.
 */
const MONITOR_V8_FLAGS = "--max-semi-space-size=1";

/** Spawns `dockergsh monitor ROOT` in its own session, not waited for. */
function spawnMonitor(root: StateRoot): void {
  const { path, args } = selfCommand("monitor", root.root);
  // After any the user gave: the last of a flag is the one V8 keeps.
  const v8Flags = [Deno.env.get("DENO_V8_FLAGS"), MONITOR_V8_FLAGS].filter(Boolean).join(",");
  const child = new Deno.Command(path, {
    args,
    env: { DENO_V8_FLAGS: v8Flags },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
  debug("monitor", `spawned monitor pid ${child.pid}`);
}

async function ask(socket: string, req: MonitorRequest): Promise<StartReply | undefined> {
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path: socket });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.ConnectionRefused) {
      return undefined;
    }
    throw err;
  }
  try {
    // The connection's own read and write, not its streams: a CLI's first
    // stream loads Deno's streams code (~5 ms, measured), every `run -d`.
    const request = new TextEncoder().encode(JSON.stringify(req) + "\n");
    for (let off = 0; off < request.length;) off += await conn.write(request.subarray(off));
    const parts: Uint8Array[] = [];
    const buf = new Uint8Array(64 * 1024);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      parts.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(concatBytes(...parts));
    return text.trim() ? JSON.parse(text) as StartReply : undefined;
  } catch {
    return undefined;
  } finally {
    conn.close();
  }
}

/** Sends `req` to the monitor of `root` (started when there is none); resolves to the running record. */
async function request(root: StateRoot, req: MonitorRequest): Promise<ContainerRecord> {
  const socket = monitorSocket(root);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const reply = await ask(socket, req);
    if (reply?.ok) return reply.record;
    if (reply) throw new UserError(reply.message, reply.exitCode);
    if (attempt % 10 === 0) spawnMonitor(root);
    await new Promise((r) => setTimeout(r, 10 + attempt * 5));
  }
  throw new UserError(
    "dockergsh: the container monitor did not start (see monitor.log in the state root)",
  );
}

/** Has the monitor start container `id` detached; resolves to its running record. */
export function requestStart(root: StateRoot, id: string): Promise<ContainerRecord> {
  return request(root, { op: "start", id });
}

/**
 * Has the monitor stop container `id` (SIGTERM, SIGKILL after
 * `timeoutSeconds`) and start it again detached; resolves to its running record.
 */
export function requestRestart(
  root: StateRoot,
  id: string,
  timeoutSeconds: number | undefined,
): Promise<ContainerRecord> {
  return request(root, { op: "restart", id, timeoutSeconds });
}

/**
 * Hands container `id`, whose foreground run just exited and whose restart
 * policy restarts it, to the monitor, which restarts it after the back-off.
 */
export async function requestPolicyRestart(root: StateRoot, id: string): Promise<void> {
  await request(root, { op: "policy-restart", id });
}
