/**
 * What the parent sends the container init over the config pipe: everything
 * the init needs to build the container's root and exec the user's command.
 * Type-only, so the init path imports nothing for it.
 *
 * @module
 */

/** Where the init connects the user command's stdin/stdout/stderr. */
export type InitStdio =
  /** Keep the fds the init inherited (foreground run without -t). */
  | { kind: "inherit" }
  /**
   * A pseudo-terminal slave opened by path; becomes the controlling tty.
   * `devpts` (run): the devpts instance the parent made the pty in, to
   * become the container's /dev/pts, so the terminal is /dev/pts/0 inside.
   */
  | { kind: "tty"; slavePath: string; devpts?: string }
  /** Detached: stdout and stderr appended to the log file, stdin /dev/null. */
  | { kind: "log"; path: string };

/** The overlay layers of the container's root filesystem. */
export interface OverlayLayers {
  lower: string;
  upper: string;
  work: string;
  merged: string;
}

/** One bind mount into the container. */
export interface InitBind {
  source: string;
  destination: string;
  readOnly: boolean;
}

/** What the user's process runs, wherever it runs. */
export interface ProcessSpec {
  cmd: string[];
  env: string[];
  workingDir: string;
  stdio: InitStdio;
}

/** Job of the container's first process: build the container, then exec PID 1. */
export interface InitConfig extends ProcessSpec {
  kind: "create";
  containerId: string;
  layers: OverlayLayers;
  binds: InitBind[];
  /** Host files bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  hostname: string;
  /** Bring up loopback: false when the container shares the host's network. */
  ownNetwork: boolean;
}

/** Job of `exec`: join the running container's namespaces, then exec. */
export interface ExecConfig extends ProcessSpec {
  kind: "exec";
  /** The container's PID 1, as the host sees it. */
  targetPid: number;
  /** Namespaces to join (the PID namespace is joined by the parent, before spawning). */
  namespaces: string[];
}

/** What the parent sends the init. */
export type InitJob = InitConfig | ExecConfig;

/** The init's report when it cannot exec the user command. */
export interface InitFailure {
  message: string;
  exitCode: number;
}

/** Environment variable carrying the channel's fd numbers to the init. */
export const INIT_FDS_ENV = "DOCKERGSH_INIT_FDS";
