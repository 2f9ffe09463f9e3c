/**
 * Spawning the init (`dockergsh init`) from a multi-threaded Deno process.
 *
 * For a new container: unshare(2) on the main thread moves only that
 * thread, the init spawned right after lands in all the new namespaces (PID
 * 1 of the new PID namespace), and setns(2) returns the main thread to the
 * host's namespaces.
 *
 * For `exec`: the init is spawned in the host's namespaces and joins the
 * container's itself (see init.ts).
 *
 * A user namespace is the exception: a multi-threaded process can neither
 * make nor join one, so a single-threaded util-linux program does that
 * step and execs the init (see spawnInUserNamespace, spawnExecInit).
 *
 * @module
 */

import {
  CLONE_FS,
  CLONE_NEWNS,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  O_RDONLY,
  O_WRONLY,
  PR_SET_CHILD_SUBREAPER,
  SIGNALS,
} from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { LinuxIdMapping } from "../oci/spec.ts";
import { ParentChannel } from "./channel.ts";
import { HELPER_FORK_MS, INIT_PARENT_ENV, INIT_PROGRAM_FDS_ENV } from "./init_config.ts";
import { NAMESPACES } from "./namespaces.ts";
import { exitStatusCode } from "./wait_status.ts";

/**
 * The init's stdio at spawn. `inherit`: this process's own fds 0-2 (the OCI
 * runtime's, which are the container's: its caller's pipes).
 */
export interface SpawnStdio {
  stdin: "piped" | "null" | "inherit";
  stdout: "piped" | "null" | "inherit";
  stderr: "piped" | "null" | "inherit";
}

/** A spawned init, blocked until the parent sends its job. */
export interface SpawnedInit {
  /**
   * The process spawned: the init itself, or the helper that made its user
   * namespace (its stdio are the init's; see spawnInUserNamespace).
   */
  child: Deno.ChildProcess;
  pid: number;
  channel: ParentChannel;
  /** Settles when the init exits. */
  status: Promise<Deno.CommandStatus>;
}

/** How to run the init's argv: as is, or under a helper program. */
type Launcher = (program: { path: string; args: string[] }) => { path: string; args: string[] };

/**
 * argv that runs this program again with `args`: the executable itself when
 * compiled, else the running Deno with the program's entry module
 * (`main.ts`, or the bundle `make build` made of it), so the init is always
 * the same code as the CLI that started it.
 */
export function selfCommand(...args: string[]): { path: string; args: string[] } {
  if (Deno.build.standalone) return { path: Deno.execPath(), args };
  return {
    path: Deno.execPath(),
    args: [
      "run",
      "--allow-all",
      "--no-prompt",
      "--quiet",
      "--no-config",
      "--no-lock",
      Deno.mainModule,
      ...args,
    ],
  };
}

/**
 * Runs `enter` (which moves the main thread into other namespaces), spawns
 * the init, then returns the main thread to the namespaces it had before.
 */
function spawnIn(
  kernel: Kernel,
  names: readonly string[],
  enter: () => void,
  stdio: SpawnStdio,
  launch: Launcher = (program) => program,
  env?: Record<string, string>,
): SpawnedInit {
  const channel = ParentChannel.open(kernel);
  const own = NAMESPACES.filter(([name]) => names.includes(name)).map(([name, flag]) => ({
    flag,
    fd: kernel.open(`/proc/self/ns/${name}`, O_RDONLY | O_CLOEXEC),
  }));
  // setns into a mount namespace resets the cwd to its root: put it back after.
  const cwd = Deno.cwd();
  const { path, args } = launch(selfCommand("init"));
  let child: Deno.ChildProcess;
  try {
    enter();
    try {
      child = new Deno.Command(path, {
        args,
        env: { ...channel.childEnv(), ...env },
        // A given environment is the whole of it (see confinedInitEnv).
        clearEnv: env !== undefined,
        ...stdio,
      }).spawn();
    } finally {
      for (const { fd, flag } of own) kernel.setns(fd, flag);
      if (names.includes("mnt")) Deno.chdir(cwd);
    }
  } catch (err) {
    channel.close();
    throw err;
  } finally {
    for (const { fd } of own) kernel.close(fd);
  }
  channel.closeChildEnds();
  return { child, pid: child.pid, channel, status: child.status };
}

/**
 * The namespaces of an OCI container's init, as named under /proc/<pid>/ns:
 * those to make (`create`) and those to join (`join`, each the path of a
 * namespace file, e.g. /var/run/netns/x or /proc/123/ns/net).
 */
export interface NamespacePlan {
  create: string[];
  join: Array<{ name: string; path: string }>;
  /** The maps of a new user namespace (`user` in `create`). */
  idMappings?: { uid: LinuxIdMapping[]; gid: LinuxIdMapping[] };
}

/** Whether two paths name the same file (a namespace, here): same device and inode. */
function sameFile(a: string, b: string): boolean {
  const [x, y] = [Deno.statSync(a), Deno.statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
}

/**
 * The OCI runtime's init: setns(2) into each namespace of `plan.join` (all
 * opened first), unshare(2) of those of `plan.create`, spawn, and back to
 * this process's own namespaces. A mount namespace joined by path (as runc
 * does, the container's root is then built and pivoted in it) needs
 * unshare(CLONE_FS) first: the thread's fs_struct must not be shared with
 * Deno's other threads. The runtime's own mount namespace is refused.
 */
export function spawnPlannedInit(
  kernel: Kernel,
  plan: NamespacePlan,
  stdio: SpawnStdio,
): SpawnedInit {
  const kinds = NAMESPACES.filter(([name]) => plan.create.includes(name));
  const flags = kinds.reduce((all, [, flag]) => all | flag, 0);
  const joins = NAMESPACES.flatMap(([name, flag]) =>
    plan.join.filter((j) => j.name === name).map((j) => ({ flag, path: j.path }))
  );
  const names = [...plan.create, ...plan.join.map((j) => j.name)];
  const join = () => {
    const fds = joins.map((j) => ({ flag: j.flag, fd: kernel.open(j.path, O_RDONLY | O_CLOEXEC) }));
    try {
      const mnt = fds.find((f) => f.flag === CLONE_NEWNS);
      if (mnt) {
        // The container's root is pivoted in the namespace it joins: never this host's own.
        if (sameFile(`/proc/self/fd/${mnt.fd}`, "/proc/self/ns/mnt")) {
          throw new Error(
            "linux.namespaces: the mount namespace to join is the runtime's own: " +
              "pivoting the container's root there would replace the host's",
          );
        }
        // setns(CLONE_NEWNS) needs a thread whose fs_struct is its own, not shared with Deno's.
        kernel.unshare(CLONE_FS);
      }
      for (const { fd, flag } of fds) kernel.setns(fd, flag);
    } finally {
      for (const { fd } of fds) kernel.close(fd);
    }
  };
  if (plan.create.includes("user")) return spawnInUserNamespace(kernel, plan, join, stdio);
  const enter = () => {
    join();
    if (flags !== 0) kernel.unshare(flags);
  };
  return spawnIn(kernel, names, enter, stdio);
}

/**
 * The whole environment of an init that starts inside a user namespace,
 * where the container's root, given CAP_SYS_PTRACE, may read and write
 * it before it is confined (non-dumpable does not keep out a process
 * privileged in the namespace that owns it): none of the caller's
 * variables, and Deno's caches (the code cache root's next run would
 * load) out of reach (`DENO_DIR` cannot be made; with `--no-code-cache`).
 */
function confinedInitEnv(extra: Record<string, string>): Record<string, string> {
  const debugging = Deno.env.get("DOCKERGSH_DEBUG");
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    DENO_DIR: "/dev/null/dockergsh-init",
    ...(debugging === undefined ? {} : { DOCKERGSH_DEBUG: debugging }),
    ...extra,
  };
}

/** `program` (this one, re-executed) without Deno's code cache, when it is `deno run`. */
function withoutCodeCache(program: { path: string; args: string[] }) {
  if (program.args[0] !== "run") return program;
  return { path: program.path, args: ["run", "--no-code-cache", ...program.args.slice(1)] };
}

/** util-linux unshare(1)'s option for each namespace it makes along with a user namespace. */
const UNSHARE_OPTIONS: Readonly<Record<string, string>> = {
  mnt: "--mount",
  uts: "--uts",
  ipc: "--ipc",
  net: "--net",
  pid: "--pid",
};

/** Blocks the thread for `ms` (the spawn is synchronous). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The one child `pid` has forked, once it has (its own children file lists it). */
function forkedChild(pid: number): number {
  const deadline = Date.now() + HELPER_FORK_MS;
  for (;;) {
    let children: string;
    try {
      children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
    } catch {
      children = "";
    }
    if (children !== "") return Number(children.split(" ")[0]);
    const state = (() => {
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      } catch {
        return "X";
      }
    })();
    if (state === "Z" || state === "X") {
      throw new Error("unshare(1) exited before it forked the init (its error is above)");
    }
    if (Date.now() > deadline) throw new Error("unshare(1) did not fork the init in time");
    sleepSync(1);
  }
}

/** The uid_map/gid_map lines of `mappings` ("inside outside count"). */
function mapLines(mappings: readonly LinuxIdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

/**
 * Writes the maps of `pid`'s user namespace, each in one write(2) as the
 * kernel requires. The parent writes them, not the init: only a process
 * with CAP_SETUID in the parent namespace may map more than its own ID.
 * Through a descriptor of /proc/<pid> checked to be `helper`'s child: if
 * the init died and its PID went to another process, the descriptor
 * still names the dead one (ESRCH), never the newcomer's namespace.
 */
function writeIdMappings(
  kernel: Kernel,
  pid: number,
  helper: number,
  maps: { uid: readonly LinuxIdMapping[]; gid: readonly LinuxIdMapping[] },
): void {
  const dir = kernel.open(`/proc/${pid}`, O_PATH | O_DIRECTORY | O_CLOEXEC);
  try {
    const status = Deno.readTextFileSync(`/proc/self/fd/${dir}/status`);
    if (helper !== pid && /^PPid:\s*(\d+)$/m.exec(status)?.[1] !== String(helper)) {
      throw new Error(`the init (pid ${pid}) is no longer unshare(1)'s child`);
    }
    writeIdMappingFiles(kernel, `/proc/self/fd/${dir}`, pid, maps);
  } finally {
    kernel.close(dir);
  }
}

/** Writes uid_map and gid_map under `dir` (a /proc/<pid> of the init numbered `pid`). */
function writeIdMappingFiles(
  kernel: Kernel,
  dir: string,
  pid: number,
  maps: { uid: readonly LinuxIdMapping[]; gid: readonly LinuxIdMapping[] },
): void {
  const files = [["uid_map", "uidMappings", maps.uid], ["gid_map", "gidMappings", maps.gid]];
  for (const [file, field, mappings] of files as [string, string, LinuxIdMapping[]][]) {
    const shown = `/proc/${pid}/${file}`;
    const path = `${dir}/${file}`;
    const text = mapLines(mappings);
    debug("create", `write ${shown}: ${JSON.stringify(text)}`);
    const fd = kernel.open(path, O_WRONLY | O_CLOEXEC);
    try {
      kernel.write(fd, new TextEncoder().encode(text));
    } catch (err) {
      if (!(err instanceof SyscallError)) throw err;
      throw new Error(`linux.${field}: the kernel refused them in ${shown}: ${err.code}`);
    } finally {
      kernel.close(fd);
    }
  }
}

/** A raw wait status as Deno reports a child's. */
function commandStatus(raw: number): Deno.CommandStatus {
  const number = raw & 0x7f;
  const name = number === 0
    ? null
    : (Object.entries(SIGNALS).find(([, n]) => n === number)?.[0] ?? null) as Deno.Signal | null;
  const code = exitStatusCode(raw);
  return { success: code === 0, code, signal: name };
}

/**
 * The init in a new user namespace, with the other namespaces of `create`
 * owned by it (so that the container's root may mount its proc, sysfs and
 * tmpfs). A process with more than one thread cannot make a user
 * namespace, and every Deno process has several, so a single-threaded
 * helper makes them: util-linux's unshare(1), in one unshare(2) call, user
 * namespace first.
 *
 * - `--keep-caps`: the init is exec'd before its maps exist, as a user the
 *   namespace does not map, which execve would leave without capabilities;
 *   ambient ones carry them over. The init becomes the namespace's root
 *   itself once the maps are written (see init.ts).
 * - `--propagation unchanged`: the init makes its mounts private itself.
 * - `--fork` with a PID namespace: only a child of unshare is in it. That
 *   helper is then killed: it holds copies of the channel (the init's
 *   status pipe would never reach end of file), and the init must be a
 *   child of this process, as runc's is of runc, so that when this process
 *   exits a subreaper (containerd's shim) adopts it. This process is a
 *   subreaper meanwhile, so the orphaned init comes to it, and is waited
 *   for by PID.
 */
function spawnInUserNamespace(
  kernel: Kernel,
  plan: NamespacePlan,
  join: () => void,
  stdio: SpawnStdio,
): SpawnedInit {
  const others = plan.create.filter((n) => n !== "user");
  const forks = others.includes("pid");
  const options = [
    "--user",
    "--keep-caps",
    "--propagation",
    "unchanged",
    ...others.map((n) => UNSHARE_OPTIONS[n]),
    ...(forks ? ["--fork"] : []),
  ];
  if (forks) kernel.prctl(PR_SET_CHILD_SUBREAPER, 1);
  debug(
    "create",
    `unshare ${options.join(" ")}: a multi-threaded process cannot make a user namespace`,
  );
  const spawned = spawnIn(
    kernel,
    plan.join.map((j) => j.name),
    join,
    stdio,
    (program) => {
      const init = withoutCodeCache(program);
      return { path: "unshare", args: [...options, "--", init.path, ...init.args] };
    },
    confinedInitEnv(forks ? { [INIT_PARENT_ENV]: String(Deno.pid) } : {}),
  );
  const helper = spawned.child;
  let pid: number | undefined;
  try {
    pid = forks ? forkedChild(helper.pid) : helper.pid;
    writeIdMappings(kernel, pid, helper.pid, plan.idMappings!);
  } catch (err) {
    // The helper waits for the init and exits with it.
    for (const p of [pid, helper.pid]) {
      if (p === undefined) continue;
      try {
        kernel.kill(p, SIGNALS.SIGKILL);
      } catch {
        // Gone already.
      }
    }
    spawned.channel.close();
    throw err;
  }
  if (!forks) return spawned;
  kernel.kill(helper.pid, SIGNALS.SIGKILL);
  const init = pid;
  const status = helper.status.then(async (helperStatus) => {
    try {
      return commandStatus(await kernel.waitpidAsync(init));
    } catch {
      // The init exited before the helper died, which reaped it: its status is the helper's.
      return helperStatus;
    }
  });
  return { ...spawned, pid: init, status };
}

/**
 * The init of an `exec`, spawned in the host's namespaces: it joins the
 * container's itself, and only its child, the user's command, enters the
 * container's PID namespace (see init.ts). A container with a user
 * namespace of its own (`userNamespace`, a descriptor of it the caller
 * opened, without close-on-exec, and checked to be the container's) is
 * joined first, through nsenter(1).
 */
export function spawnExecInit(
  kernel: Kernel,
  stdio: SpawnStdio,
  userNamespace?: number,
): SpawnedInit {
  if (userNamespace === undefined) return spawnIn(kernel, [], () => {}, stdio);
  // A multi-threaded process cannot join a user namespace either: util-linux
  // nsenter(1) joins it and becomes its root (uid and gid 0) before exec.
  const path = `/proc/self/fd/${userNamespace}`;
  debug("exec", `nsenter --user=${path}: a multi-threaded process cannot join it`);
  const byFd = selfCommandByFd(kernel);
  try {
    return spawnIn(
      kernel,
      [],
      () => {},
      stdio,
      () => {
        const init = withoutCodeCache({ path: byFd.path, args: byFd.args(["init"]) });
        return { path: "nsenter", args: [`--user=${path}`, "--", init.path, ...init.args] };
      },
      confinedInitEnv({ [INIT_PROGRAM_FDS_ENV]: [...byFd.fds, userNamespace].join(",") }),
    );
  } finally {
    for (const fd of byFd.fds) kernel.close(fd);
  }
}

/**
 * This program named through descriptors, for an init that starts as the
 * mapped root of a user namespace, a user the state root's private
 * directories do not let in: the executable and the main module's
 * directory are opened here, without close-on-exec, and named as
 * /proc/self/fd/N, which the init inherits. The files themselves may be
 * read by all (the launcher unpacks them so); only the directories above
 * them are private. The init closes them first thing (INIT_PROGRAM_FDS_ENV).
 */
function selfCommandByFd(
  kernel: Kernel,
): { path: string; args: (rest: string[]) => string[]; fds: number[] } {
  const exe = kernel.open(Deno.execPath(), O_RDONLY);
  const path = `/proc/self/fd/${exe}`;
  if (Deno.build.standalone) return { path, args: (rest) => rest, fds: [exe] };
  const main = new URL(Deno.mainModule).pathname;
  const dir = kernel.open(main.slice(0, main.lastIndexOf("/")), O_RDONLY | O_DIRECTORY);
  const module = `/proc/self/fd/${dir}/${main.slice(main.lastIndexOf("/") + 1)}`;
  const args = selfCommand().args.slice(0, -1);
  return { path, args: (rest) => [...args, module, ...rest], fds: [exe, dir] };
}
