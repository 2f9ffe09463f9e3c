/**
 * `create`: a container from a bundle, left in the `created` state. The
 * steps, in order: check the bundle, make the state directory and its
 * exec FIFO, spawn the init in the namespaces `linux.namespaces` asks for
 * (it builds the root filesystem meanwhile), make the cgroup with its
 * limits and put the init in it, run the `prestart` and `createRuntime`
 * hooks, let the init confine itself; once it is blocked on the FIFO,
 * write the pid file and return, leaving the init to the caller (a
 * subreaper, such as containerd's shim, inherits it). A failure at any
 * step undoes every step before it.
 *
 * @module
 */

import { S_IFIFO, SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { removeContainerCgroup, setupContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import { DEFAULT_DEVICES } from "../oci/default_devices.ts";
import type { InitConfig, InitStdio } from "../process/init_config.ts";
import { processStartTime } from "../process/proc.ts";
import { spawnPlannedInit } from "../process/spawn_init.ts";
import { readHostCgroupLayout } from "../rootfs/mounts.ts";
import { sysctlRefusal } from "../rootfs/sysctl.ts";
import { compileSeccompProgram } from "../security/seccomp_program.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { UndoStack, withUndoErrors } from "../_undo.ts";
import { encodeBase64 } from "../_base64.ts";
import { type Bundle, type BundleSpec, consoleSize, loadBundle } from "./bundle.ts";
import { cgroupLocation, cgroupResources } from "./cgroup.ts";
import { RuntimeError } from "./errors.ts";
import { runHooks } from "./hooks.ts";
import { lockContainer } from "./lock.ts";
import { ownNamespaceTypes, planNamespaces } from "./namespace_plan.ts";
import type { RuntimeRoot } from "./paths.ts";
import { type RuntimeRecord, writeRecord } from "./record.ts";
import { ociState } from "./status.ts";

/** `create`'s flags. */
export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
}

/** `spec` as the init builds it: runc's default device nodes added where the spec has none. */
function initSpec(spec: BundleSpec): BundleSpec {
  const devices = spec.linux?.devices ?? [];
  const missing = DEFAULT_DEVICES.filter((d) => !devices.some((x) => x.path === d.path));
  return { ...spec, linux: { ...spec.linux, devices: [...devices, ...missing] } };
}

/** Everything that can be refused before anything is made. */
function checkCreate(bundle: Bundle, opts: CreateOptions): void {
  const { spec } = bundle;
  if (spec.process.terminal && opts.consoleSocket === undefined) {
    throw new RuntimeError("process.terminal is set: --console-socket is required");
  }
  if (!spec.process.terminal && opts.consoleSocket !== undefined) {
    throw new RuntimeError("--console-socket is given but process.terminal is not set");
  }
  const own = ownNamespaceTypes(spec);
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const why = sysctlRefusal(key, own);
    if (why) throw new RuntimeError(why);
  }
  const adj = spec.process.oomScoreAdj;
  if (adj !== undefined && (!Number.isInteger(adj) || adj < -1000 || adj > 1000)) {
    throw new RuntimeError(`process.oomScoreAdj ${adj} is not an integer from -1000 to 1000`);
  }
}

/** A created container's init, still this process's child. */
export interface CreatedContainer {
  pid: number;
  /** Settles when the init exits (`run` waits for it; `create` exits and leaves it). */
  exited: Promise<Deno.CommandStatus>;
}

/** Creates container `id` from `opts.bundle` under `root`. */
export async function createContainer(
  root: RuntimeRoot,
  kernel: Kernel,
  id: string,
  opts: CreateOptions,
): Promise<CreatedContainer> {
  const paths = root.container(id);
  const bundle = loadBundle(opts.bundle);
  checkCreate(bundle, opts);
  const { spec } = bundle;
  const plan = planNamespaces(spec);
  const location = cgroupLocation(spec, id);
  const resources = cgroupResources(spec, location);
  const program = spec.linux?.seccomp && compileSeccompProgram(kernel, spec.linux.seccomp);

  root.ensure();
  try {
    Deno.mkdirSync(paths.dir, { mode: 0o700 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new RuntimeError(`container with id exists: ${id}`);
    }
    throw err;
  }
  const undo = new UndoStack();
  undo.push(() => Deno.removeSync(paths.dir, { recursive: true }));
  const lock = await lockContainer(paths, id);
  try {
    // Anyone may write it (the init may no longer be root when it opens it); only root can reach it.
    kernel.mknod(paths.fifo, S_IFIFO | 0o622, 0, 0);
    Deno.chmodSync(paths.fifo, 0o622);

    // Without a terminal the container's stdio are this process's (the caller's pipes). With
    // one, the init's are /dev/null until it has the terminal: a caller reading this
    // process's output to its end (containerd's shim does) must not wait on the init's copies.
    const inherited = opts.consoleSocket === undefined ? "inherit" : "null";
    const spawned = spawnPlannedInit(kernel, plan, {
      stdin: inherited,
      stdout: inherited,
      stderr: inherited,
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
    debug("create", `init is pid ${spawned.pid} in the host's PID namespace`);
    const stdio: InitStdio = opts.consoleSocket === undefined
      ? { kind: "inherit" }
      : { kind: "console", socket: opts.consoleSocket, size: consoleSize(spec.process) };
    // Before the cgroup is made: a create killed midway leaves a record that
    // `delete --force` finds the cgroup by.
    const record: RuntimeRecord = {
      id,
      bundle: bundle.dir,
      pid: spawned.pid,
      pidStartTime,
      created: new Date().toISOString(),
      cgroup: location,
      spec,
    };
    writeRecord(paths, record);
    const job: InitConfig = {
      kind: "create",
      containerId: id,
      spec: initSpec(spec),
      seccompProgram: program ? encodeBase64(program) : undefined,
      hostCgroups: readHostCgroupLayout(),
      stdio,
      execFifo: paths.fifo,
      createContainer: spec.hooks?.createContainer?.length
        ? { hooks: spec.hooks.createContainer, state: JSON.stringify(ociState(record, "created")) }
        : undefined,
      startContainer: spec.hooks?.startContainer?.length
        ? { hooks: spec.hooks.startContainer, state: JSON.stringify(ociState(record, "created")) }
        : undefined,
    };
    spawned.channel.sendJob(job);

    const cgroup = setupContainerCgroup(location.name, resources);
    // A cgroup empties only once the init is gone: stop it first.
    undo.push(async () => {
      await stopInit();
      await removeContainerCgroup(location.name, resources);
    });
    debug("create", `cgroup ready: ${cgroup.paths.join(", ")}`);
    // Before the init may go on: nothing of the user's runs unlimited.
    cgroup.addProcess(spawned.pid);
    if (spec.process.oomScoreAdj !== undefined) {
      Deno.writeTextFileSync(`/proc/${spawned.pid}/oom_score_adj`, `${spec.process.oomScoreAdj}`);
    }

    const state = ociState(record, "creating");
    await runHooks("prestart", spec.hooks?.prestart, state);
    await runHooks("createRuntime", spec.hooks?.createRuntime, state);
    if (job.createContainer) spawned.channel.sendCreateContainer();

    const failure = spawned.channel.start();
    if (failure) {
      await spawned.child.status;
      throw new RuntimeError(failure.message);
    }
    debug("create", "created: the init waits on the exec FIFO for `start`");
    if (opts.pidFile !== undefined) writeFileAtomic(opts.pidFile, `${spawned.pid}`);
    undo.commit();
    return { pid: spawned.pid, exited: spawned.child.status };
  } catch (err) {
    throw withUndoErrors(err, await undo.unwind());
  } finally {
    lock.release();
  }
}
