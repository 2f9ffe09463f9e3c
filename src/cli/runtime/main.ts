/**
 * `dockergsh-runc` (or `dockergsh runc`): the runc-compatible front door,
 * for containerd's shim and any other OCI runtime client.
 * `[--root DIR] [--log FILE] [--log-format text|json] [--debug] SUBCOMMAND …`.
 * A failure is one line on stderr and, with `--log`, one `error` line in
 * the log (containerd reads the last one back), and exit status 1.
 *
 * @module
 */

import { LinuxKernel } from "../../../ffi/linux.ts";
import { enableDebug } from "../../debug.ts";
import { traced } from "../../kernel_trace.ts";
import { OCI_VERSION } from "../../oci/state.ts";
import { RuntimeError } from "../../runtime/errors.ts";
import { type LogFormat, RuntimeLog } from "../../runtime/log.ts";
import { DEFAULT_RUNTIME_ROOT, RuntimeRoot } from "../../runtime/paths.ts";
import { VERSION } from "../version.ts";
import { parseCommandArgs, RUNTIME_COMMANDS } from "./commands.ts";

function usage(): string {
  return [
    "Usage:  dockergsh-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND",
    "",
    "dockergsh's OCI runtime (runc-compatible): runs a container from an OCI bundle.",
    "",
    "Commands:",
    ...Object.entries(RUNTIME_COMMANDS).map(([, c]) => `  ${c.usage}`),
  ].join("\n");
}

/** `--version`, runc's lines. */
function versionText(): string {
  return [
    `dockergsh-runc version ${VERSION}`,
    `spec: ${OCI_VERSION}`,
    `deno: ${Deno.version.deno}`,
  ].join("\n");
}

interface GlobalFlags {
  root: string;
  log?: string;
  logFormat: LogFormat;
  rest: string[];
}

/** The global flags before the subcommand (`--x V` and `--x=V`). */
function parseGlobal(argv: readonly string[]): GlobalFlags | "help" | "version" {
  const out: GlobalFlags = { root: DEFAULT_RUNTIME_ROOT, logFormat: "text", rest: [] };
  let i = 0;
  const value = (name: string, a: string): string => {
    if (a.includes("=")) return a.slice(a.indexOf("=") + 1);
    if (i + 1 >= argv.length) throw new RuntimeError(`flag needs an argument: --${name}`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    const name = a.replace(/^--?/, "").replace(/=.*$/, "");
    if (!a.startsWith("-")) break;
    if (a === "--help" || a === "-h") return "help";
    if (a === "--version" || a === "-v") return "version";
    if (name === "debug") enableDebug();
    else if (name === "root") out.root = value(name, a);
    else if (name === "log") out.log = value(name, a);
    else if (name === "log-format") {
      const f = value(name, a);
      if (f !== "text" && f !== "json") {
        throw new RuntimeError(`--log-format ${JSON.stringify(f)}: use text or json`);
      }
      out.logFormat = f;
    } else if (name === "systemd-cgroup") {
      throw new RuntimeError(
        "--systemd-cgroup is not supported: dockergsh-runc manages cgroupfs directly " +
          "(set SystemdCgroup = false in containerd's runc options)",
      );
    } else throw new RuntimeError(`unknown global flag: ${a}`);
  }
  out.rest = argv.slice(i);
  return out;
}

/** Runs the runtime CLI; resolves to the exit code. */
export async function runtimeCli(argv: readonly string[]): Promise<number> {
  let log = new RuntimeLog(undefined, "text");
  try {
    const global = parseGlobal(argv);
    if (global === "help") {
      console.log(usage());
      return 0;
    }
    if (global === "version") {
      console.log(versionText());
      return 0;
    }
    log = new RuntimeLog(global.log, global.logFormat);
    const [name, ...args] = global.rest;
    if (name === undefined) {
      console.error(usage());
      return 1;
    }
    const cmd = RUNTIME_COMMANDS[name];
    if (!cmd) throw new RuntimeError(`unknown command ${JSON.stringify(name)}`);
    if (args[0] === "--help" || args[0] === "-h") {
      console.log(`Usage:  dockergsh-runc ${cmd.usage}`);
      return 0;
    }
    const flags = parseCommandArgs(name, cmd, args);
    if (Deno.uid() !== 0) throw new RuntimeError("dockergsh-runc needs root");
    const root = new RuntimeRoot(global.root);
    root.checkPrivate();
    return await cmd.run({ root, kernel: traced(new LinuxKernel(), "runtime") }, flags);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(message);
    log.write("error", message);
    return 1;
  }
}
