/**
 * `start`: bring a created (or exited) container to running. The steps, in
 * order: cgroups with their limits, pseudo-terminal (for -t), spawn the init
 * in new namespaces (it waits for its config) and move it into the cgroups,
 * wire its network namespace to its network and
 * write /etc/hosts, send the init its config, wait until it has exec'd the
 * user's command, record it running. A failure at any step undoes the steps
 * before it.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { MNT_DETACH, SIGNALS } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { removeContainerCgroup, setupContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { ImageStore } from "../image/store.ts";
import type { InitConfig, InitStdio } from "../process/init_config.ts";
import { spawnInit } from "../process/spawn_init.ts";
import { mountDevptsInstance } from "../rootfs/devices.ts";
import { readHostCgroupLayout } from "../rootfs/mounts.ts";
import { attachContainerNetwork, detachContainerNetwork } from "../network/container_network.ts";
import { needsSpace } from "../store/disk_full.ts";
import { recordEvent } from "../events/events.ts";
import { eventSubject } from "./events.ts";
import type { StateRoot } from "../store/paths.ts";
import { UndoStack, withUndoErrors } from "../_undo.ts";
import { encodeBase64 } from "../_base64.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { containerPaths } from "./container_create.ts";
import { containerSpec, seccompPlan, securityOf } from "./container_spec.ts";
import { seccompProgram } from "./seccomp_cache.ts";
import { writeHostsFiles } from "./container_runtime.ts";
import { processStartTime } from "../process/proc.ts";
import type { ContainerRecord } from "./record.ts";
import { assertAllowed, transition } from "./state.ts";
import { ContainerStore } from "./store.ts";

/** How the user's terminal meets the container. */
export type AttachMode =
  /** Foreground, stdio through pipes dockergsh relays (`run`, `run -i`). */
  | "foreground"
  /** Foreground through a new pseudo-terminal (`run -t`). */
  | "tty"
  /** Background; output to the container's log (`run -d`, `start`). */
  | "detached";

/** A running container and the handles the caller needs to wait for it. */
export interface StartedContainer {
  record: ContainerRecord;
  child: Deno.ChildProcess;
  /** The pty master when attached with -t. */
  ttyMaster?: number;
}

/** Removes the host's mount of the container's devpts (the container keeps its own). */
function unmountStaging(kernel: Kernel, dir: string): void {
  try {
    kernel.umount2(dir, MNT_DETACH);
    Deno.removeSync(dir);
  } catch (err) {
    if (!(err instanceof SyscallError) && !(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/**
 * Starts `record`'s container; resolves once the user's command is PID 1.
 * A full disk under the state root is one NoSpaceError.
 */
export function startContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  mode: AttachMode,
): Promise<StartedContainer> {
  return needsSpace(root, () => start(root, kernel, record, mode));
}

async function start(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  mode: AttachMode,
): Promise<StartedContainer> {
  const store = new ContainerStore(root);
  const paths = containerPaths(root, record.id);
  const cfg = record.config;
  assertAllowed(record.state.status, "start");
  const undo = new UndoStack();
  try {
    let stdio: InitStdio = { kind: "log", path: paths.log, stderrPath: paths.stderrLog };
    let ttyMaster: number | undefined;
    if (mode === "tty") {
      // The terminal comes from a devpts instance that becomes the container's
      // /dev/pts, so inside it is /dev/pts/0, as in Docker. Mounted here
      // until the init has bound it.
      Deno.mkdirSync(paths.devpts, { recursive: true, mode: 0o700 });
      mountDevptsInstance(kernel, paths.devpts);
      undo.push(() => unmountStaging(kernel, paths.devpts));
      const pty = kernel.openPty(`${paths.devpts}/ptmx`);
      ttyMaster = pty.master;
      undo.push(() => kernel.close(pty.master));
      // Sized before the command starts: a shell reads its size once, at start-up.
      if (Deno.stdin.isTerminal()) kernel.setWinSize(pty.master, kernel.getWinSize(0));
      stdio = { kind: "tty", slavePath: `${paths.devpts}/${pty.index}`, devpts: paths.devpts };
    } else if (mode === "foreground") {
      stdio = { kind: "inherit" };
    }

    // The init first: its start-up overlaps with its job being made, its
    // root filesystem (which needs no limits) with the cgroup and network
    // set-up below.
    const hostNetwork = cfg.networkMode === "host";
    const spawned = spawnInit(kernel, hostNetwork, {
      stdin: mode === "foreground" && cfg.openStdin ? "piped" : "null",
      stdout: mode === "foreground" ? "piped" : "null",
      stderr: mode === "foreground" ? "piped" : "null",
    });
    let stopped: Promise<void> | undefined;
    const stopInit = () =>
      stopped ??= (async () => {
        spawned.channel.close();
        try {
          kernel.kill(spawned.pid, SIGNALS.SIGKILL);
        } catch {
          // Already gone.
        }
        await spawned.child.status;
      })();
    undo.push(stopInit);
    const pidStartTime = processStartTime(spawned.pid) ?? 0;
    debug("start", `init is pid ${spawned.pid} in the host's PID namespace`);
    const spec = containerSpec(cfg, {
      root: paths.merged,
      etcFiles: { hostname: paths.hostname, hosts: paths.hosts, resolvConf: paths.resolvConf },
      devpts: mode === "tty" ? paths.devpts : undefined,
    });
    const security = securityOf(cfg);
    const seccomp = seccompPlan(security, spec.process.capabilities?.bounding ?? []);
    // Compiled, or read from the cache; without libseccomp, the undo stops the init.
    const program = seccomp && await seccompProgram(root, kernel, seccomp.source, seccomp.build);

    // Docker makes a missing host directory of `-v`; an existing file is bound as a file.
    for (const bind of cfg.binds) {
      if (!lstatOrUndefined(bind.source)) Deno.mkdirSync(bind.source, { recursive: true });
    }
    const initConfig: InitConfig = {
      kind: "create",
      containerId: record.id,
      spec,
      overlay: {
        lower: new ImageStore(root).layerDirs(cfg.imageId).join(":"),
        upper: paths.upper,
        work: paths.work,
      },
      userRequest: { user: security.user ?? "", groupAdd: security.groupAdd },
      seccompProgram: program && encodeBase64(program),
      hostCgroups: readHostCgroupLayout(),
      stdio,
    };

    spawned.channel.sendJob(initConfig);

    const resources = { ...cfg.resources, devices: spec.linux?.resources?.devices };
    const cgroup = setupContainerCgroup(record.id, resources);
    // A cgroup empties only once the init is gone: stop it first.
    undo.push(async () => {
      await stopInit();
      await removeContainerCgroup(record.id, cfg.resources);
    });
    debug("start", `cgroup ready: ${cgroup.paths.join(", ")}`);
    // Before the init may start: nothing of the user's runs unlimited.
    cgroup.addProcess(spawned.pid);

    const endpoint = await attachContainerNetwork(root, record, spawned.pid);
    if (endpoint) undo.push(() => detachContainerNetwork(root, { ...record, endpoint }));
    writeHostsFiles(root, record, endpoint);

    const failure = spawned.channel.start();
    if (failure) {
      await spawned.child.status;
      throw new UserError(`dockergsh: ${failure.message}`, failure.exitCode);
    }
    debug("start", `user command exec'd as PID 1: ${JSON.stringify(cfg.cmd)}`);
    if (mode === "tty") unmountStaging(kernel, paths.devpts);
    const running = store.update(record.id, (rec) => ({
      ...rec,
      endpoint,
      state: transition(rec.state, {
        kind: "start",
        pid: spawned.pid,
        pidStartTime,
        at: new Date().toISOString(),
      }),
    }));
    undo.commit();
    recordEvent(root, "start", eventSubject(running));
    return { record: running, child: spawned.child, ttyMaster };
  } catch (err) {
    throw withUndoErrors(err, await undo.unwind());
  }
}
