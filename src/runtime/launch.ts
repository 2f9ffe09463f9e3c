/**
 * The runtime's one way to bring a loaded bundle to life, shared by the
 * runc CLI's `create` and the engine's `start`. The steps, in order:
 * the init already spawned in the namespaces `linux.namespaces` asks for
 * (`spawnContainerInit`, init_spawn.ts: the engine does it before it has
 * made the container; the init builds the root filesystem once it has its job),
 * check the rest of the spec and plan its cgroup, send the init its job,
 * make the cgroup with its limits and put the init in it (meanwhile the
 * init builds its root filesystem, this computes its confinement, the
 * compiled seccomp filter, and runs the caller's `beforeStart`: the engine
 * attaches the network there), set its OOM score, run the `prestart` and
 * `createRuntime` hooks, then send the init its confinement and let it
 * confine itself. With an exec FIFO it then blocks on it until `start` (the runc
 * CLI's created state); without one it execs the user's command at once,
 * and this returns once it has. Every step pushes its undo on the
 * caller's stack: the caller unwinds it on failure, commits it on success.
 *
 * @module
 */

import type { SessionKeyring } from "../security/session_keyring.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { removeContainerCgroup, setupContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import { DEFAULT_DEVICES } from "../oci/default_devices.ts";
import type {
  InitConfig,
  InitConfinement,
  InitStdio,
  UserRequest,
} from "../process/init_config.ts";
import type { OverlayLayers } from "../rootfs/overlay.ts";
import { processStartTime } from "../process/proc.ts";
import type { SpawnedInit } from "../process/spawn_init.ts";
import { readHostCgroupLayout } from "../rootfs/mounts.ts";
import { sysctlRefusal } from "../rootfs/sysctl.ts";
import type { UndoStack } from "../_undo.ts";
import { encodeBase64 } from "../_base64.ts";
import type { Bundle, BundleSpec } from "./bundle.ts";
import { cgroupLocation, cgroupResources } from "./cgroup.ts";
import { InitError, RuntimeError } from "./errors.ts";
import { runHooks } from "./hooks.ts";
import type { ContainerInit } from "./init_spawn.ts";
import { ownNamespaceTypes, planNamespaces } from "./namespace_plan.ts";
import type { RuntimeRecord } from "./record.ts";
import { seccompProgramFor } from "./seccomp_cache.ts";
import { ociState } from "./status.ts";

/** How a caller runs the bundle: its stdio, and what the engine adds to a bundle. */
export interface LaunchOptions {
  /** What the init makes of its fds 0-2 for the user's command. */
  stdio: InitStdio;
  /** The engine's image layers, mounted as an overlay on `root.path`. */
  overlay?: OverlayLayers;
  /** The engine's `-u`/`--group-add`, resolved in the container's own passwd and group files. */
  userRequest?: UserRequest;
  /**
   * Where compiled `linux.seccomp` programs are kept (see
   * seccomp_cache.ts): the engine's `<root>/seccomp`, dockergsh-runc's
   * `<--root>/@seccomp`.
   */
  seccompCache: string;
  /** The runc CLI's exec FIFO: the init blocks on it, confined, until `start`. */
  execFifo?: string;
  /** `--no-pivot`: move the root over the old one and chroot, for a root pivot_root refuses. */
  noPivot?: boolean;
  /** The container's session keyring; none (`--no-new-keyring`): the caller's. */
  sessionKeyring?: SessionKeyring;
  /** `--preserve-fds N`: fds 3 to 3+N-1 of this process, inherited by the init, go to the command. */
  preserveFds?: number;
  /** Runs once the init exists, before its cgroup is made (the runc CLI writes its record). */
  spawned?: (record: RuntimeRecord) => void;
  /**
   * Runs while the init joins its cgroup (a wait in the kernel: v1's first
   * `cgroup.procs` write waits out an RCU grace period) and builds its root
   * filesystem: what the caller must have ready by `start` but the init's
   * job does not wait for (the engine's relay of a foreground container's output).
   */
  whileJoining?: () => void;
  /**
   * Runs once the init has its job, while it joins its cgroup, and is
   * awaited before it may start: set-up that needs the init's namespaces
   * but not its limits (the engine attaches its network). Before the
   * `prestart` hooks; the runc CLI, whose specs carry hooks, passes none.
   */
  beforeStart?: (pid: number) => Promise<void>;
}

/** A launched init, still this process's child. */
export interface LaunchedInit {
  /** What the runtime knows of it (pid, start time, cgroup, spec). */
  record: RuntimeRecord;
  /** The process spawned (its pipes are the init's); see SpawnedInit. */
  child: Deno.ChildProcess;
  /** Settles when the init exits. */
  status: Promise<Deno.CommandStatus>;
}

/** How long an init that failed may take to be reaped before its report is read. */
const REAP_GRACE_MS = 50;

/**
 * A reader of the failure `spawned` reported: undefined while it still
 * waits; once it has exited, its report, read from its channel once
 * however often (and however concurrently) it is asked for, since the
 * read closes the channel.
 */
function failureReader(spawned: SpawnedInit): () => Promise<InitError | undefined> {
  let read: { failure: InitError | undefined } | undefined;
  return async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      spawned.status.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), REAP_GRACE_MS)),
    ]);
    clearTimeout(timer);
    if (!exited) return undefined;
    if (!read) {
      const failure = spawned.channel.start();
      read = { failure: failure && new InitError(failure.message, failure.exitCode) };
    }
    return read.failure;
  };
}

/**
 * `spec` as the init builds it: runc's default device nodes added where
 * the spec has none; without `linux.seccomp`, which the init gets compiled
 * in its confinement.
 */
function initSpec(spec: BundleSpec): BundleSpec {
  const devices = spec.linux?.devices ?? [];
  const missing = DEFAULT_DEVICES.filter((d) => !devices.some((x) => x.path === d.path));
  return {
    ...spec,
    linux: { ...spec.linux, devices: [...devices, ...missing], seccomp: undefined },
  };
}

/**
 * What the init needs only to confine itself, on `start`: `spec`'s seccomp
 * filter from the cache or compiled (see seccomp_cache.ts), and the host's
 * cgroup hierarchies for the container's cgroup tree.
 */
async function confinementOf(
  cacheDir: string,
  kernel: Kernel,
  spec: BundleSpec,
): Promise<InitConfinement> {
  const program = await seccompProgramFor(cacheDir, kernel, spec.linux?.seccomp);
  return {
    kind: "confinement",
    seccompProgram: program ? encodeBase64(program) : null,
    hostCgroups: readHostCgroupLayout(),
  };
}

/** What of the spec is refused before the init gets its job. */
function checkSpec(spec: BundleSpec): void {
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

/**
 * Launches container `id` from `bundle` in `init` (spawned for the same
 * namespaces); resolves once the init is blocked on the exec FIFO, or
 * (without one) runs the user's command. A refusal of the init itself is
 * an InitError carrying its exit code.
 */
export async function launchContainer(
  kernel: Kernel,
  id: string,
  bundle: Bundle,
  init: ContainerInit,
  opts: LaunchOptions,
  undo: UndoStack,
): Promise<LaunchedInit> {
  const { spec } = bundle;
  const { spawned } = init;
  checkSpec(spec);
  if (JSON.stringify(planNamespaces(spec)) !== JSON.stringify(init.plan)) {
    throw new RuntimeError("the init was spawned in other namespaces than config.json's");
  }
  const location = cgroupLocation(spec, id);
  const resources = cgroupResources(spec, location);

  const record: RuntimeRecord = {
    id,
    bundle: bundle.dir,
    pid: spawned.pid,
    pidStartTime: processStartTime(spawned.pid) ?? 0,
    created: new Date().toISOString(),
    cgroup: location,
    spec,
    ...(opts.sessionKeyring ? { sessionKeyring: opts.sessionKeyring } : {}),
  };
  opts.spawned?.(record);
  // The spec first, and nothing the init needs only on `start`: it builds the root filesystem
  // from this while the rest is made.
  const job: InitConfig = {
    kind: "create",
    containerId: id,
    spec: initSpec(spec),
    overlay: opts.overlay,
    userRequest: opts.userRequest,
    stdio: opts.stdio,
    execFifo: opts.execFifo,
    noPivot: opts.noPivot,
    sessionKeyring: opts.sessionKeyring,
    preserveFds: opts.preserveFds,
    userNamespace: init.plan.create.includes("user"),
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
    await init.stop();
    await removeContainerCgroup(location.name, resources);
  });
  debug("create", `cgroup ready: ${cgroup.paths.join(", ")}`);

  const state = ociState(record, "creating");
  // An init that failed already (its command not found, say) took its PID and
  // namespaces with it: its own report is the error, not the step that found them gone.
  const reportedFailure = failureReader(spawned);
  const step = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      throw (await reportedFailure()) ?? err;
    }
  };
  // Before the init may go on: nothing of the user's runs unlimited.
  const joined = cgroup.addProcessAsync(spawned.pid);
  // Made while the write waits (v1's first cgroup.procs write waits out an RCU grace period).
  const confinement = confinementOf(opts.seccompCache, kernel, spec);
  // Awaited only below: a failure meanwhile must not leave them rejected unheard.
  confinement.catch(() => {});
  joined.catch(() => {});
  // The caller's set-up runs while the write waits too: it needs the init's namespaces, not its
  // limits. Both are awaited before either's failure is thrown: an undo that set-up pushes
  // after the caller unwound would be lost.
  const settled = await Promise.allSettled([
    step(async () => {
      opts.whileJoining?.();
      await joined;
      if (spec.process.oomScoreAdj !== undefined) {
        Deno.writeTextFileSync(`/proc/${spawned.pid}/oom_score_adj`, `${spec.process.oomScoreAdj}`);
      }
    }),
    step(async () => await opts.beforeStart?.(spawned.pid)),
  ]);
  const failures = settled.flatMap((s) => s.status === "rejected" ? [s.reason] : []);
  if (failures.length) throw failures.find((f) => f instanceof InitError) ?? failures[0];
  // A filter that cannot be made (no libseccomp) refuses the start before any hook runs.
  const confined = await confinement;
  await step(async () => {
    await runHooks("prestart", spec.hooks?.prestart, state);
    await runHooks("createRuntime", spec.hooks?.createRuntime, state);
  });
  if (job.createContainer) spawned.channel.sendCreateContainer();
  spawned.channel.sendConfinement(confined);

  const failure = await spawned.channel.startAsync();
  if (failure) {
    await spawned.status;
    throw new InitError(failure.message, failure.exitCode);
  }
  return { record, child: spawned.child, status: spawned.status };
}
