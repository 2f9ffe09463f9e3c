/**
 * The init in a user namespace. A process with more than one thread can
 * neither make nor join a user namespace, and every Deno process has
 * several, so a single-threaded util-linux program takes that one step
 * and execs the init: unshare(1) for a new container, nsenter(1) for an
 * `exec`.
 *
 * @module
 */

import {
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
import {
  type NamespacePlan,
  selfCommand,
  type SpawnedInit,
  spawnIn,
  type SpawnStdio,
} from "./_spawn.ts";
import { sleepSync } from "./_sleep_sync.ts";
import { HELPER_FORK_MS, INIT_PARENT_ENV, INIT_PROGRAM_FDS_ENV } from "./init_config.ts";
import { processStartTime } from "./proc.ts";
import { exitStatusCode } from "./wait_status.ts";

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
    if (processStartTime(pid) === undefined) {
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
export function spawnInUserNamespace(
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
 * The init of an `exec` into a container with a user namespace of its own
 * (`userNamespace`: a descriptor of it, see spawnExecInit). A
 * multi-threaded process cannot join a user namespace either: util-linux
 * nsenter(1) joins it and becomes its root (uid and gid 0) before exec.
 */
export function spawnExecInitInUserNamespace(
  kernel: Kernel,
  stdio: SpawnStdio,
  userNamespace: number,
): SpawnedInit {
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
