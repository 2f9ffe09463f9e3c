/**
 * Runs the host's network tools (`ip`, `iptables`, `nsenter`) with an
 * argument array, never through a shell. Synchronous on purpose: the
 * read-modify-write steps run inside `withLock`, whose critical section is
 * synchronous, and each tool call takes a few milliseconds.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { HOST_PROGRAMS } from "../host_programs.ts";

/** What a finished program left behind. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `program args…`; returns its exit code and output, whatever the code. */
export function tryExec(program: string, args: readonly string[]): ExecResult {
  debug("network", [program, ...args].join(" "));
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command(program, { args: [...args], stdin: "null" }).outputSync();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      const pkg = HOST_PROGRAMS[program]?.[0] ?? program;
      throw new UserError(`dockergsh: networking needs the '${program}' program (${pkg})`);
    }
    throw err;
  }
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Runs `program args…`; throws a UserError naming the command and its stderr when it fails. */
export function exec(program: string, args: readonly string[]): string {
  const res = tryExec(program, args);
  if (res.code !== 0) {
    const why = res.stderr.trim().split("\n").join("; ") || `exit status ${res.code}`;
    throw new UserError(`dockergsh: ${[program, ...args].join(" ")}: ${why}`);
  }
  return res.stdout;
}

/**
 * Runs several `ip` commands in one process (`ip -batch FILE`), inside the
 * network namespace of `netnsPid` when given (through `nsenter`, which keeps
 * the mount namespace, so the batch file's path still resolves). A failure
 * names the command of the batch that failed.
 */
export function ipBatch(commands: readonly string[], netnsPid?: number): void {
  const file = Deno.makeTempFileSync({ prefix: "dockergsh-ip-" });
  try {
    Deno.writeTextFileSync(file, commands.join("\n") + "\n");
    debug(
      "network",
      `ip batch${netnsPid ? ` in netns of ${netnsPid}` : ""}: ${commands.join(" ; ")}`,
    );
    const res = netnsPid === undefined
      ? tryExec("ip", ["-batch", file])
      : tryExec("nsenter", [`--net=/proc/${netnsPid}/ns/net`, "ip", "-batch", file]);
    if (res.code === 0) return;
    const line = Number(/Command failed .*:(\d+)/.exec(res.stderr)?.[1]);
    const failed = commands[line - 1] ?? commands.join(" ; ");
    const why = res.stderr.split("\n").filter((l) => l && !l.startsWith("Command failed")).join(
      "; ",
    );
    const where = netnsPid === undefined ? "" : ` (in the network namespace of ${netnsPid})`;
    throw new UserError(`dockergsh: ip ${failed}${where}: ${why || `exit status ${res.code}`}`);
  } finally {
    Deno.removeSync(file);
  }
}

/** Runs `ip -j args…` and parses its JSON (an empty output is an empty list). */
export function ipJson<T>(args: readonly string[]): T[] {
  const out = exec("ip", ["-j", ...args]).trim();
  return out === "" ? [] : JSON.parse(out) as T[];
}
