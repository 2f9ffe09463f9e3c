/**
 * What the parent sends the container init over the config pipe: everything
 * the init needs to build the container's root and exec the user's command,
 * in the runtime-spec's terms (src/oci/spec.ts). Type-only, so the init path
 * imports nothing for it.
 *
 * @module
 */

import type { SessionKeyring } from "../security/session_keyring.ts";
import type { Hook, Process, Root, Spec } from "../oci/spec.ts";
import type { HostCgroupLayout } from "../rootfs/mounts.ts";
import type { OverlayLayers } from "../rootfs/overlay.ts";

/** Where the init connects the user command's stdin/stdout/stderr. */
export type InitStdio =
  /** Keep the fds the init inherited: the pipes the CLI relays (foreground, without -t). */
  | { kind: "inherit" }
  /**
   * A pseudo-terminal slave opened by path; becomes the controlling tty.
   * `devpts` (run): the devpts instance the parent made the pty in, to
   * become the container's /dev/pts, so the terminal is /dev/pts/0 inside.
   * For exec the path is the container's own (`/dev/pts/N`), opened inside.
   */
  | { kind: "tty"; slavePath: string; devpts?: string }
  /**
   * Detached: stdout appended to the log file `path`, stderr to
   * `stderrPath` (to `path` as well when absent), stdin /dev/null (or,
   * with `keepStdin`, the fd 0 the init was spawned with).
   */
  | {
    kind: "log";
    path: string;
    stderrPath?: string;
    /**
     * Keep the fd 0 the init was spawned with (a pipe its parent holds open,
     * for a detached `-i` container: its command reads no end of file).
     */
    keepStdin?: boolean;
  }
  /**
   * The OCI runtime's terminal (`process.terminal` with `--console-socket`):
   * the init connects to the unix socket at `socket` (a host path), opens a
   * pty in the container's own devpts once it is mounted, makes the slave
   * its stdio and controlling tty and sends the master over the socket
   * (SCM_RIGHTS), as runc does.
   */
  | { kind: "console"; socket: string; size?: { rows: number; cols: number } };

/**
 * Docker's `-u USER[:GROUP]` and `--group-add`, resolved by the init in the
 * container's own /etc/passwd and /etc/group (after pivot_root, or after
 * joining its mount namespace), into `process.user` and HOME.
 */
export interface UserRequest {
  user: string;
  groupAdd: string[];
}

/**
 * Job of the container's first process: build the container the OCI
 * `spec` describes, then exec `spec.process` as PID 1.
 */
export interface InitConfig {
  kind: "create";
  containerId: string;
  spec: Spec & { process: Process; root: Root };
  /** dockergsh's image layers: an OCI bundle's root is a ready directory, an image's is not. */
  overlay?: OverlayLayers;
  userRequest?: UserRequest;
  stdio: InitStdio;
  /**
   * The OCI runtime's exec FIFO (a host path): the init, confined, blocks
   * opening it for writing right before execve, until `start` opens it for
   * reading. The status pipe closes before that wait, which is when
   * `create` returns.
   */
  execFifo?: string;
  /**
   * `hooks.createContainer`, run by the init in the container's namespaces
   * before pivot_root (their paths are the runtime's), once the parent has
   * sent `createContainer`; with the state (JSON) on stdin.
   */
  createContainer?: { hooks: Hook[]; state: string };
  /** `hooks.startContainer`, run by the init after `start`, with the state (JSON) on stdin. */
  startContainer?: { hooks: Hook[]; state: string };
  /** `--no-pivot`: the root is moved over the old one and chrooted into, not pivoted. */
  noPivot?: boolean;
  /** The container's own session keyring; none (`--no-new-keyring`): the caller's. */
  sessionKeyring?: SessionKeyring;
  /** `--preserve-fds N`: fds 3 to 3+N-1, inherited from the runtime, stay open for the command. */
  preserveFds?: number;
  /**
   * The init is in a new user namespace (its maps written by the parent):
   * it becomes that namespace's root before it builds the container, and
   * binds the host's device nodes, since mknod(2) is refused there.
   */
  userNamespace?: boolean;
}

/**
 * The second message of a create job, before `start`: what the init needs
 * only to confine itself, so the job (the spec, all it builds the root
 * filesystem from) goes first and the runtime sends this once it has
 * computed it, while the init builds. An init that reads `start`, end of
 * file or anything else in its place exits and runs nothing: a container
 * never starts without the filter its spec names.
 */
export interface InitConfinement {
  kind: "confinement";
  /**
   * `spec.linux.seccomp` compiled by the runtime with libseccomp: the BPF
   * program, base64; null when the spec has none (the job's spec leaves
   * the field out).
   */
  seccompProgram: string | null;
  /** The host's cgroup hierarchies, for the container's cgroup tree (read by the parent). */
  hostCgroups: HostCgroupLayout;
}

/** Job of `exec`: join the running container's namespaces, then run `process` there. */
export interface ExecConfig {
  kind: "exec";
  /** The container's PID 1, as the host sees it, and its start time (to tell a recycled PID). */
  targetPid: number;
  targetStartTime: number;
  /** Namespaces to join, as named under /proc/<pid>/ns, in setns order. */
  namespaces: string[];
  process: Process;
  /** The container's seccomp filter, compiled: the BPF program, base64. */
  seccompProgram?: string;
  userRequest?: UserRequest;
  stdio: InitStdio;
  /** Return at once, leaving the process to the container's PID 1 (`exec -d`). */
  detach: boolean;
  /** Report the command's host PID on the status pipe (`{"pid":N}`) once it is spawned. */
  reportPid?: boolean;
  /** The container's session keyring, which the command joins; none: the caller's. */
  sessionKeyring?: SessionKeyring;
}

/** What the parent sends the init. */
export type InitJob = InitConfig | ExecConfig;

/** The init's report when it cannot exec the user command. */
export interface InitFailure {
  message: string;
  exitCode: number;
}

/** The init's report, with `reportPid`, of the command it spawned. */
export interface InitSpawned {
  pid: number;
}

/** Environment variable carrying the channel's fd numbers to the init. */
export const INIT_FDS_ENV = "DOCKERGSH_INIT_FDS";

/**
 * The host PID of the process that will be the init's parent, when the
 * init is spawned through a helper (util-linux unshare, for a user
 * namespace) that is killed once it has forked it: the init waits to be
 * adopted by that process before it ties its life to its parent's.
 */
export const INIT_PARENT_ENV = "DOCKERGSH_INIT_PARENT";

/**
 * The descriptors, by number, through which the init was started (this
 * program's executable and module directory, see selfCommandByFd): it
 * closes them before anything else, so that none reaches the container.
 */
export const INIT_PROGRAM_FDS_ENV = "DOCKERGSH_INIT_PROGRAM_FDS";

/** How long the helper may take to fork the init, and the init to be adopted after. */
export const HELPER_FORK_MS = 2_000;
