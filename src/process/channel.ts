/**
 * The parent ↔ init channel: two pipes made with pipe2(O_CLOEXEC), with
 * close-on-exec cleared only on the init's ends so that exactly those reach
 * the child (Deno.Command has no ExtraFiles; inherited fds are how to pass
 * them).
 *
 * - config pipe, parent → init: lines. First the job as JSON: the init
 *   prepares what needs no limits (a new container's root filesystem, up
 *   to pivot_root) while the parent puts it in its cgroup and network.
 *   For a create job, then its confinement (InitConfinement: the compiled
 *   seccomp filter), which the parent computes while the init builds, and
 *   `createContainer` when the job has those hooks. Then `start`: only on
 *   that line does the init confine itself and run the user's command, so
 *   no instruction of the user's runs before its limits apply. An init
 *   that reads end of file or anything out of this order instead exits.
 * - status pipe, init → parent: empty on success (the write end is
 *   close-on-exec in the init, so a successful execve closes it and the
 *   parent reads EOF); an InitFailure as JSON otherwise.
 *
 * @module
 */

import { O_CLOEXEC } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { concatBytes } from "../_bytes.ts";
import type { InitConfinement, InitFailure, InitJob, InitSpawned } from "./init_config.ts";
import { INIT_FDS_ENV } from "./init_config.ts";

/** Reads `fd` to end of file. */
export function readAll(kernel: Kernel, fd: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = kernel.read(fd, buf);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  return concatBytes(...chunks);
}

/** `readAll` through reads on a worker thread: the event loop runs on while it waits. */
export async function readAllAsync(kernel: Kernel, fd: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await kernel.readAsync(fd, buf);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  return concatBytes(...chunks);
}

/** Reads `fd` line by line (the init's side of the config pipe). */
export class LineReader {
  private buffered = new Uint8Array(0);
  private eof = false;

  constructor(private readonly kernel: Kernel, private readonly fd: number) {}

  /** The next line without its newline; undefined at end of file. */
  next(): string | undefined {
    for (;;) {
      const nl = this.buffered.indexOf(0x0a);
      if (nl >= 0) {
        const line = this.buffered.subarray(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return new TextDecoder().decode(line);
      }
      if (this.eof) return undefined;
      const chunk = new Uint8Array(64 * 1024);
      const n = this.kernel.read(this.fd, chunk);
      if (n === 0) this.eof = true;
      const joined = new Uint8Array(this.buffered.length + n);
      joined.set(this.buffered);
      joined.set(chunk.subarray(0, n), this.buffered.length);
      this.buffered = joined;
    }
  }
}

/** The line that lets the init go on from preparing to running the user's command. */
export const START = "start";

/**
 * The OCI runtime's line, before `start`, that lets the init run the
 * `createContainer` hooks (once the runtime's `createRuntime` hooks have run).
 */
export const CREATE_CONTAINER = "createContainer";

/** Writes all of `data` to `fd`. */
export function writeAll(kernel: Kernel, fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += kernel.write(fd, data.subarray(off));
}

/** The parent's side of the channel. */
export class ParentChannel {
  private constructor(
    private readonly kernel: Kernel,
    private configWrite: number,
    private statusRead: number,
    private childEnds: number[],
  ) {}

  /** Makes both pipes; the init's ends are left inheritable. */
  static open(kernel: Kernel): ParentChannel {
    const [configRead, configWrite] = kernel.pipe2(O_CLOEXEC);
    const [statusRead, statusWrite] = kernel.pipe2(O_CLOEXEC);
    kernel.setCloexec(configRead, false);
    kernel.setCloexec(statusWrite, false);
    return new ParentChannel(kernel, configWrite, statusRead, [configRead, statusWrite]);
  }

  /** Environment entry telling the init its fd numbers. */
  childEnv(): Record<string, string> {
    return { [INIT_FDS_ENV]: this.childEnds.join(",") };
  }

  /** After spawn: the parent must not hold the init's ends (or it never sees EOF). */
  closeChildEnds(): void {
    for (const fd of this.childEnds) this.kernel.close(fd);
    this.childEnds = [];
  }

  /** Sends the job; the init prepares it and waits for `start`. */
  sendJob(job: InitJob): void {
    writeAll(this.kernel, this.configWrite, new TextEncoder().encode(JSON.stringify(job) + "\n"));
  }

  /** Sends a create job's confinement, which the init reads before `start`. */
  sendConfinement(confinement: InitConfinement): void {
    this.sendLine(JSON.stringify(confinement));
  }

  /** Lets the init run its `createContainer` hooks (it waits for this line only when it has some). */
  sendCreateContainer(): void {
    this.sendLine(CREATE_CONTAINER);
  }

  /** Writes `line` to an init that may have failed already: it has written why, and `start` reads it. */
  private sendLine(line: string): void {
    try {
      writeAll(this.kernel, this.configWrite, new TextEncoder().encode(`${line}\n`));
    } catch (err) {
      if (!(err instanceof SyscallError && err.code === "EPIPE")) throw err;
    }
  }

  /**
   * Lets the init run the user's command, then waits for its verdict:
   * undefined once the command runs, else why not. An init that already
   * failed (its pipe is closed: EPIPE) has written why.
   */
  start(): InitFailure | undefined {
    const verdict = this.verdict();
    return verdict === undefined ? undefined : verdict as InitFailure;
  }

  /**
   * `start` without blocking the event loop while the init confines itself
   * and execs: a process starting several containers (the monitor) goes on
   * with the others meanwhile.
   */
  async startAsync(): Promise<InitFailure | undefined> {
    this.sendStart();
    const data = await readAllAsync(this.kernel, this.statusRead);
    this.kernel.close(this.statusRead);
    this.statusRead = -1;
    return data.length === 0 ? undefined : JSON.parse(new TextDecoder().decode(data));
  }

  /**
   * `start` for an exec job with `reportPid`: the host PID of the command
   * the init spawned, or why it could not.
   */
  startForPid(): InitSpawned | InitFailure {
    const verdict = this.verdict();
    if (verdict === undefined) {
      return { message: "the init exited without reporting its command", exitCode: 125 };
    }
    return verdict as InitSpawned | InitFailure;
  }

  /** Sends `start` and closes the config pipe (an init that failed already closed its end). */
  private sendStart(): void {
    try {
      writeAll(this.kernel, this.configWrite, new TextEncoder().encode(`${START}\n`));
    } catch (err) {
      if (!(err instanceof SyscallError && err.code === "EPIPE")) throw err;
    }
    this.kernel.close(this.configWrite);
    this.configWrite = -1;
  }

  /** Sends `start`, then reads the status pipe to its end: its JSON, or undefined when empty. */
  private verdict(): unknown {
    this.sendStart();
    const data = readAll(this.kernel, this.statusRead);
    this.kernel.close(this.statusRead);
    this.statusRead = -1;
    if (data.length === 0) return undefined;
    return JSON.parse(new TextDecoder().decode(data));
  }

  /** Closes whatever is still open (error paths). */
  close(): void {
    for (const fd of [this.configWrite, this.statusRead, ...this.childEnds]) {
      if (fd >= 0) this.kernel.close(fd);
    }
    this.configWrite = this.statusRead = -1;
    this.childEnds = [];
  }
}
