/**
 * `dockergsh run [OPTIONS] IMAGE [COMMAND] [ARG...]`: create a container
 * and start it, in the foreground (stdio through relayed pipes, or a pty with -t) or
 * detached (-d: print the ID, output to the log).
 *
 * @module
 */

import { SIGNALS } from "../../../ffi/constants.ts";
import type { Kernel } from "../../../ffi/kernel.ts";
import { createContainer, type CreateSpec } from "../../container/container_create.ts";
import { deleteContainer } from "../../container/container_delete.ts";
import { exitCodeOf } from "../../container/container_exit.ts";
import { openLogSink } from "../../container/container_logs.ts";
import { watchHealth } from "../../container/container_health.ts";
import { hasProbes, startingHealth } from "../../container/health_state.ts";
import { finishRun } from "../../container/container_runtime.ts";
import { type AttachMode, startContainer } from "../../container/container_start.ts";
import { startDetached } from "../../container/container_start_detached.ts";
import { eventSubject } from "../../container/events.ts";
import { ContainerStore } from "../../container/store.ts";
import { removeAnonymousVolumes } from "../../container/volume_mounts.ts";
import { recordEvent } from "../../events/events.ts";
import { UserError } from "../../errors.ts";
import { requestPolicyRestart } from "../../monitor/client.ts";
import { shouldRestart } from "../../monitor/restart_policy.ts";
import { relayPipes } from "../../process/pipe_relay.ts";
import { relayTty } from "../../process/tty_relay.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { ensureImage } from "../_pull_missing.ts";
import { withHostGateway } from "../_host_gateway.ts";
import { asRunError } from "../_run_error.ts";
import type { FlagSpec, ParsedFlags } from "../flags.ts";
import { NETWORK_FLAGS, networkFromFlags } from "../network_flags.ts";
import { RESOURCE_FLAGS, resourcesFromFlags } from "../resource_flags.ts";
import { HEALTH_FLAGS, healthFromFlags } from "../health_flags.ts";
import { dnsFromFlags, parseAddHost } from "../hosts_flags.ts";
import { LIFECYCLE_FLAGS, lifecycleFromFlags } from "../lifecycle_flags.ts";
import { parseMount } from "../mount_flag.ts";
import { labelsFrom, parseEnv, parseVolume, readEnvFile } from "../run_flags.ts";
import { SECURITY_FLAGS, securityFromFlags } from "../security_flags.ts";
import { withDockerRunHelp } from "../_docker_run_help.ts";

/** Flags shared by `run` and `create`. */
export const CONTAINER_FLAGS: FlagSpec[] = withDockerRunHelp([
  {
    long: "pull",
    kind: "string",
    help: 'Pull image before running ("always", "missing", "never") (default "missing")',
  },
  { long: "interactive", short: "i", kind: "bool", help: "Keep STDIN open" },
  { long: "tty", short: "t", kind: "bool", help: "Allocate a pseudo-TTY" },
  { long: "name", kind: "string", help: "Assign a name to the container" },
  { long: "env", short: "e", kind: "list", help: "Set environment variables" },
  { long: "env-file", kind: "list", help: "Read in a file of environment variables" },
  { long: "entrypoint", kind: "string", help: "Overwrite the default ENTRYPOINT of the image" },
  { long: "label", short: "l", kind: "list", help: "Set meta data on a container" },
  { long: "label-file", kind: "list", help: "Read in a line delimited file of labels" },
  {
    long: "volume",
    short: "v",
    kind: "list",
    help: "Bind mount a volume (HOST:CONTAINER[:MODE], NAME:CONTAINER[:MODE] or CONTAINER)",
  },
  {
    long: "mount",
    kind: "list",
    help: "Attach a filesystem mount to the container (type=bind|volume|tmpfs,…)",
  },
  { long: "add-host", kind: "list", help: "Add a custom host-to-IP mapping (host:ip)" },
  { long: "dns", kind: "list", help: "Set custom DNS servers" },
  { long: "dns-search", kind: "list", help: "Set custom DNS search domains" },
  {
    long: "dns-option",
    kind: "list",
    aliases: ["dns-opt"],
    help: "Set DNS options",
  },
  { long: "rm", kind: "bool", help: "Automatically remove the container when it exits" },
  { long: "hostname", short: "h", kind: "string", help: "Container host name" },
  { long: "workdir", short: "w", kind: "string", help: "Working directory inside the container" },
  ...LIFECYCLE_FLAGS,
  ...HEALTH_FLAGS,
  ...NETWORK_FLAGS,
  ...RESOURCE_FLAGS,
  ...SECURITY_FLAGS,
]);

/** The container the flags and positionals describe. */
export function specFromFlags(flags: ParsedFlags): CreateSpec {
  const [image, ...cmd] = flags.positionals;
  const workingDir = flags.strings.get("workdir");
  if (workingDir !== undefined && !workingDir.startsWith("/")) {
    throw new UserError(
      `dockergsh: Error response from daemon: the working directory '${workingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  const list = (name: string) => flags.lists.get(name) ?? [];
  // Docker: the env files first, then each -e.
  const env = [
    ...list("env-file").flatMap(readEnvFile),
    ...list("env").map(parseEnv).filter((e): e is string => e !== undefined),
  ];
  const mounts = list("mount").map(parseMount);
  const security = securityFromFlags(flags);
  const tmpfsMounts = mounts.flatMap((m) => m.kind === "tmpfs" ? [m.tmpfs] : []);
  const entrypoint = flags.strings.get("entrypoint");
  const labels = labelsFrom(list("label-file"), list("label"));
  const dns = dnsFromFlags(flags);
  const healthcheck = healthFromFlags(flags);
  return {
    image,
    cmd,
    // `--entrypoint ""` clears the image's; one word otherwise, not split (as Docker).
    ...(entrypoint !== undefined ? { entrypoint: entrypoint === "" ? [] : [entrypoint] } : {}),
    name: flags.strings.get("name"),
    hostname: flags.strings.get("hostname"),
    workingDir,
    env,
    tty: flags.bools.has("tty"),
    openStdin: flags.bools.has("interactive"),
    detach: flags.bools.has("detach"),
    autoRemove: flags.bools.has("rm"),
    binds: [
      ...list("volume").map(parseVolume),
      ...mounts.flatMap((m) => m.kind === "tmpfs" ? [] : [m.mount]),
    ],
    volumeLabels: Object.fromEntries(
      mounts.flatMap((m) =>
        m.kind === "volume" && m.mount.volume ? [[m.mount.volume, m.volumeLabels]] : []
      ),
    ),
    resources: resourcesFromFlags(flags),
    security: tmpfsMounts.length
      ? { ...security, tmpfs: [...security.tmpfs, ...tmpfsMounts] }
      : security,
    labels,
    extraHosts: list("add-host").map(parseAddHost),
    ...(dns ? { dns } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    ...lifecycleFromFlags(flags),
    ...networkFromFlags(flags),
  };
}

/** Signals `docker run` passes on to the container (its --sig-proxy). */
const PROXIED: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** Forwards PROXIED signals to `pid` until the returned function is called. */
function proxySignals(kernel: Kernel, pid: number): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = () => {
      try {
        kernel.kill(pid, SIGNALS[sig]);
      } catch {
        // The container is already gone.
      }
    };
    Deno.addSignalListener(sig, h);
    return [sig, h] as const;
  });
  return () => handlers.forEach(([sig, h]) => Deno.removeSignalListener(sig, h));
}

/** Starts container `id` attached in `mode`; resolves to its exit code once it has exited (`run`, `start -a`). */
export async function runForeground(
  root: StateRoot,
  kernel: Kernel,
  id: string,
  mode: AttachMode,
): Promise<number> {
  const store = new ContainerStore(root);
  // Docker reports the attach before the start.
  recordEvent(root, "attach", eventSubject(store.get(id)));
  const started = await startContainer(root, kernel, store.get(id), mode);
  const stopProxy = proxySignals(kernel, started.record.state.pid);
  // The CLI is this run's parent: it probes its health, as the monitor does a detached run's.
  const check = started.record.config.healthcheck;
  let stopHealth = () => {};
  if (hasProbes(check)) {
    store.update(id, (rec) => ({ ...rec, health: startingHealth() }));
    stopHealth = watchHealth(root, kernel, id, check, started.record.state.startedAt);
  }
  // Docker logs every container's output, attached or not.
  const log = openLogSink(root, id);
  try {
    if (started.ttyMaster !== undefined) {
      await relayTty(kernel, started.ttyMaster, started.record.config.openStdin, log.sink);
      kernel.close(started.ttyMaster);
    } else {
      await relayPipes(started.child, started.record.config.openStdin, log.sink);
    }
    log.close();
    const exitCode = exitCodeOf(await started.child.status);
    const exited = await finishRun(root, started.record, exitCode);
    // Docker: `run` returns the first exit; the engine restarts it in the background.
    if (shouldRestart(store.load(id) ?? exited, exitCode)) await requestPolicyRestart(root, id);
    return exitCode;
  } finally {
    stopHealth();
    log.close();
    stopProxy();
  }
}

/** The `run` command. */
export const command: Command = {
  name: "run",
  usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
  summary: "Run a command in a new container",
  flags: [
    ...CONTAINER_FLAGS,
    {
      long: "detach",
      short: "d",
      kind: "bool",
      help: "Run container in background and print container ID",
    },
  ],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, flags) {
    const spec = specFromFlags(flags);
    // Docker's CLI: an attached -it needs a terminal on stdin (exit 1).
    if (!spec.detach && spec.tty && spec.openStdin && !Deno.stdin.isTerminal()) {
      throw new UserError("the input device is not a TTY", 1);
    }
    await ensureImage(ctx, spec.image, flags.strings.get("pull"));
    const record = await createContainer(ctx.root, withHostGateway(ctx.root, spec), ctx.kernel)
      .catch((err) => {
        throw asRunError(err);
      });
    const mode: AttachMode = spec.detach ? "detached" : spec.tty ? "tty" : "foreground";
    try {
      if (mode === "detached") {
        await startDetached(ctx.root, ctx.kernel, record);
        console.log(record.id);
        return 0;
      }
      return await runForeground(ctx.root, ctx.kernel, record.id, mode);
    } catch (err) {
      // A container that never started is not kept: a failed run leaves nothing behind.
      const store = new ContainerStore(ctx.root);
      await deleteContainer(ctx.root, ctx.kernel, store.get(record.id), true);
      removeAnonymousVolumes(ctx.root, record);
      throw err;
    } finally {
      if (spec.autoRemove && !spec.detach) {
        const store = new ContainerStore(ctx.root);
        if (store.ids().includes(record.id)) {
          await deleteContainer(ctx.root, ctx.kernel, store.get(record.id), true);
        }
        // Docker's --rm takes the container's anonymous volumes with it.
        removeAnonymousVolumes(ctx.root, record);
      }
    }
  },
};
