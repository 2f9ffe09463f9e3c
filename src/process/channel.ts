/**
 * The parent ↔ init channel: two pipes made with pipe2(O_CLOEXEC), with
 * close-on-exec cleared only on the init's ends so that exactly those reach
 * the child (Deno.Command has no ExtraFiles; inherited fds are how to pass
 * them).
 *
 * - config pipe, parent → init: the InitConfig as JSON. The init blocks on
 *   it until the parent has placed it in its cgroup and network, so no
 *   instruction of the user runs before its limits apply.
 * - status pipe, init → parent: empty on success (the write end is
 *   close-on-exec in the init, so a successful execve closes it and the
 *   parent reads EOF); an InitFailure as JSON otherwise.
 *
 * @module
 */

import { O_CLOEXEC } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { InitFailure, InitJob } from "./init_config.ts";
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
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

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

  /** Sends the job; the init starts on EOF. */
  sendConfig(config: InitJob): void {
    writeAll(this.kernel, this.configWrite, new TextEncoder().encode(JSON.stringify(config)));
    this.kernel.close(this.configWrite);
    this.configWrite = -1;
  }

  /** Waits for the init's verdict: undefined once the user command is exec'd. */
  awaitExec(): InitFailure | undefined {
    const data = readAll(this.kernel, this.statusRead);
    this.kernel.close(this.statusRead);
    this.statusRead = -1;
    if (data.length === 0) return undefined;
    return JSON.parse(new TextDecoder().decode(data)) as InitFailure;
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
