/**
 * Runs the host's network tools (`ip`, `iptables`, `nsenter`) with an
 * argument array, never through a shell. Synchronous on purpose: the
 * read-modify-write steps run inside `withLock`, whose critical section is
 * synchronous, and each tool call takes a few milliseconds.
 *
 * @module
 */

import { MFD_CLOEXEC } from "../../ffi/constants.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { HOST_PROGRAMS } from "../host_programs.ts";

/** What a finished program left behind. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where root's programs are besides the usual bin directories (iptables: /usr/sbin). */
const SBIN = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/**
 * The PATH the network tools are looked up in (and run with): this
 * process's, with the sbin directories it lacks added after it when it is
 * an ordinary user's PATH (it holds /usr/bin or /bin). Debian's `su`
 * without `-` gives root the caller's PATH, which has no sbin directory, so
 * `iptables` would not be found although installed. A PATH without either
 * bin directory was chosen on purpose (the tests' fake tools) and is kept.
 */
export function toolPath(path = Deno.env.get("PATH") ?? ""): string {
  const dirs = path.split(":").filter((d) => d !== "");
  if (!dirs.includes("/usr/bin") && !dirs.includes("/bin")) return path;
  return [...dirs, ...SBIN.filter((d) => !dirs.includes(d))].join(":");
}

/** The tool run with an argument array (never a shell), its stdin empty, on toolPath's PATH. */
function toolCommand(program: string, args: readonly string[]): Deno.Command {
  debug("network", [program, ...args].join(" "));
  return new Deno.Command(program, { args: [...args], stdin: "null", env: { PATH: toolPath() } });
}

/** A finished tool's exit code and output, decoded. */
function resultOf(out: Deno.CommandOutput): ExecResult {
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Runs `program args…`; returns its exit code and output, whatever the code. */
export function tryExec(program: string, args: readonly string[]): ExecResult {
  try {
    return resultOf(toolCommand(program, args).outputSync());
  } catch (err) {
    throw notFound(program, err);
  }
}

/** A spawn's error, as the UserError naming the missing program and its package when it is one. */
function notFound(program: string, err: unknown): unknown {
  if (!(err instanceof Deno.errors.NotFound)) return err;
  const pkg = HOST_PROGRAMS[program]?.[0] ?? program;
  return new UserError(`dockergsh: networking needs the '${program}' program (${pkg})`);
}

/** Runs `program args…`; throws a UserError naming the command and its stderr when it fails. */
export function exec(program: string, args: readonly string[]): string {
  return succeeded(program, args, tryExec(program, args));
}

/**
 * exec without blocking this process meanwhile: the program runs while
 * this one goes on (a start's rules check beside its other steps).
 */
export async function execAsync(program: string, args: readonly string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await toolCommand(program, args).output();
  } catch (err) {
    throw notFound(program, err);
  }
  return succeeded(program, args, resultOf(out));
}

/** `res.stdout`, or a UserError naming the command and its stderr when it failed. */
function succeeded(program: string, args: readonly string[], res: ExecResult): string {
  if (res.code !== 0) {
    const why = res.stderr.trim().split("\n").join("; ") || `exit status ${res.code}`;
    throw new UserError(`dockergsh: ${[program, ...args].join(" ")}: ${why}`);
  }
  return res.stdout;
}

/**
 * Runs `fn` with a path from which a child reads `text`: an in-memory file
 * (memfd_create, close-on-exec) named by `/proc/<our pid>/fd/<n>`, which the
 * child opens afresh (offset 0). Nothing is on disk, so a dockergsh killed
 * mid-step leaves no file behind. Not the child's stdin: Deno.Command's synchronous `outputSync`
 * takes no input, and these steps run inside synchronous lock sections.
 */
export function withInputFile<T>(name: string, text: string, fn: (path: string) => T): T {
  const kernel = new LinuxKernel();
  const fd = kernel.memfdCreate(name, MFD_CLOEXEC);
  try {
    const bytes = new TextEncoder().encode(text);
    for (let off = 0; off < bytes.length;) off += kernel.write(fd, bytes.subarray(off));
    return fn(`/proc/${Deno.pid}/fd/${fd}`);
  } finally {
    kernel.close(fd);
  }
}

/**
 * Runs several `ip` commands in one process (`ip -batch`, the commands
 * given through withInputFile). A failure names the command of the batch
 * that failed.
 */
export function ipBatch(commands: readonly string[]): void {
  debug("network", `ip batch: ${commands.join(" ; ")}`);
  const res = withInputFile(
    "dockergsh-ip-batch",
    commands.join("\n") + "\n",
    (file) => tryExec("ip", ["-batch", file]),
  );
  if (res.code === 0) return;
  const line = Number(/Command failed .*:(\d+)/.exec(res.stderr)?.[1]);
  const failed = commands[line - 1] ?? commands.join(" ; ");
  const why = res.stderr.split("\n").filter((l) => l && !l.startsWith("Command failed")).join(
    "; ",
  );
  throw new UserError(`dockergsh: ip ${failed}: ${why || `exit status ${res.code}`}`);
}

/** Runs `ip -j args…` and parses its JSON (an empty output is an empty list). */
export function ipJson<T>(args: readonly string[]): T[] {
  const out = exec("ip", ["-j", ...args]).trim();
  return out === "" ? [] : JSON.parse(out) as T[];
}
