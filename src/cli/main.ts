/**
 * `dockergsh [--root DIR] [--debug] COMMAND …`: global flags, then the
 * command, loaded on demand so `ps` does not pay for `run`'s imports. What
 * only `--help`, `--version` or a failed command needs (the help layout,
 * the version, the kernel's error type) is loaded on demand too: every
 * module a run loads is a chunk Deno reads and compiles first.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { debugEnabled, enableDebug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { resolveRoot } from "../store/paths.ts";
import { ensurePrivateRoot } from "../store/private_root.ts";
import type { Command } from "./command.ts";
import { parseFlags } from "./flags.ts";
import {
  canonicalSubcommands,
  groupUsage,
  MANAGEMENT_GROUPS,
  subcommandNames,
} from "./_management_groups.ts";

type Loader = () => Promise<{ command: Command }>;

/** Every subcommand, by name, loaded lazily. */
const COMMANDS: Record<string, Loader> = {
  attach: () => import("./commands/attach.ts"),
  commit: () => import("./commands/commit.ts"),
  cp: () => import("./commands/cp.ts"),
  create: () => import("./commands/create.ts"),
  diff: () => import("./commands/diff.ts"),
  events: () => import("./commands/events.ts"),
  exec: () => import("./commands/exec.ts"),
  export: () => import("./commands/export.ts"),
  history: () => import("./commands/history.ts"),
  images: () => import("./commands/images.ts"),
  import: () => import("./commands/import.ts"),
  info: () => import("./commands/info.ts"),
  inspect: () => import("./commands/inspect.ts"),
  kill: () => import("./commands/kill.ts"),
  login: () => import("./commands/login.ts"),
  logout: () => import("./commands/logout.ts"),
  load: () => import("./commands/load.ts"),
  logs: () => import("./commands/logs.ts"),
  network: () => import("./commands/network.ts"),
  pause: () => import("./commands/pause.ts"),
  port: () => import("./commands/port.ts"),
  ps: () => import("./commands/ps.ts"),
  pull: () => import("./commands/pull.ts"),
  push: () => import("./commands/push.ts"),
  rename: () => import("./commands/rename.ts"),
  restart: () => import("./commands/restart.ts"),
  rm: () => import("./commands/rm.ts"),
  rmi: () => import("./commands/rmi.ts"),
  run: () => import("./commands/run.ts"),
  save: () => import("./commands/save.ts"),
  start: () => import("./commands/start.ts"),
  stats: () => import("./commands/stats.ts"),
  stop: () => import("./commands/stop.ts"),
  tag: () => import("./commands/tag.ts"),
  top: () => import("./commands/top.ts"),
  unpause: () => import("./commands/unpause.ts"),
  version: () => import("./commands/version.ts"),
  wait: () => import("./commands/wait.ts"),
};

/**
 * The commands whose `usesKernel` may say no (`ps`): the kernel's bindings
 * are loaded for their runs only when it says yes, once the flags are
 * parsed. Every other run loads them alongside the command's own modules,
 * where they cost nothing extra; a separate import after it costs ~1.5 ms.
 */
const KERNEL_ON_DEMAND = new Set<Loader>([COMMANDS.ps]);

function usage(): string {
  return [
    "Usage:  dockergsh [--root DIR] [--debug] [--insecure-registry HOST[:PORT]] COMMAND [ARG...]",
    "",
    "A Docker-like container engine on Deno and libc.",
    "",
    "Commands:",
    ...[...Object.keys(COMMANDS), ...Object.keys(MANAGEMENT_GROUPS)].sort().map((c) => `  ${c}`),
    "",
    "Run 'dockergsh COMMAND --help' for more information on a command.",
  ].join("\n");
}

/** Docker's words (and its exit 1) for a wrong number of arguments, or undefined when it is right. */
function argumentCountError(name: string, command: Command, n: number): string | undefined {
  const { minArgs: min, maxArgs: max } = command;
  const args = (k: number) => `${k} argument${k === 1 ? "" : "s"}`;
  const what = `"dockergsh ${name}"`;
  if (min !== undefined && min === max && n !== min) {
    return `${what} requires exactly ${args(min)}.`;
  }
  if (min !== undefined && n < min) return `${what} requires at least ${args(min)}.`;
  if (max === 0 && n > 0) return `${what} accepts no arguments.`;
  if (max !== undefined && n > max) return `${what} requires at most ${args(max)}.`;
  return undefined;
}

/** The usage of management group `name`, each subcommand with its summary. */
async function groupHelp(name: string): Promise<string> {
  const summaries: Record<string, string> = {};
  for (const sub of canonicalSubcommands(name)) {
    const target = MANAGEMENT_GROUPS[name].subcommands[sub];
    summaries[sub] = "load" in target
      ? target.summary
      : (await COMMANDS[target.to]()).command.summary;
  }
  return groupUsage(name, summaries);
}

/**
 * The `ctx.kernel` of a run whose command said it makes no kernel call:
 * a call is a bug in that answer, reported as such rather than made.
 */
function noKernel(command: string): Kernel {
  return new Proxy({} as Kernel, {
    get(_, call) {
      throw new Error(
        `internal error: "${command}" said it makes no kernel call, then called ${String(call)}`,
      );
    },
  });
}

/** Runs the CLI; resolves to the exit code. */
export async function cli(argv: readonly string[]): Promise<number> {
  let i = 0;
  let rootFlag: string | undefined;
  const insecureRegistries: string[] = [];
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--debug" || a === "-D") enableDebug();
    else if (a === "--insecure-registry") insecureRegistries.push(argv[++i]);
    else if (a.startsWith("--insecure-registry=")) insecureRegistries.push(a.slice(20));
    else if (a === "--root") rootFlag = argv[++i];
    else if (a.startsWith("--root=")) rootFlag = a.slice(7);
    else if (a === "--help" || a === "-h") {
      console.log(usage());
      return 0;
    } else if (a === "--version" || a === "-v") {
      console.log((await import("./version.ts")).versionLine());
      return 0;
    } else break;
  }
  let name = argv[i];
  if (name === undefined) {
    console.error(usage());
    return 0;
  }
  let rest = argv.slice(i + 1);
  let load = COMMANDS[name];
  // How `--help` names the command: as invoked at the top, by its first name in a group.
  let helpAs: { name: string; aliases: string[] } | undefined;
  const group = MANAGEMENT_GROUPS[name];
  if (group) {
    const sub = rest[0];
    // Docker: `GROUP --help` on stdout, `GROUP` alone on stderr, each after an empty line.
    if (sub === "--help") {
      console.log(`\n${await groupHelp(name)}`);
      return 0;
    }
    if (sub === undefined) {
      console.error(`\n${await groupHelp(name)}`);
      return 0;
    }
    const target = group.subcommands[sub];
    if (!target) {
      // Docker: the group's usage on stderr, after an empty line, exit 1.
      console.error(`\n${await groupHelp(name)}`);
      return 1;
    }
    load = "load" in target ? target.load : COMMANDS[target.to];
    rest = [...("to" in target ? target.args ?? [] : []), ...rest.slice(1)];
    const names = subcommandNames(name, sub);
    helpAs = {
      name: `${name} ${names.canonical}`,
      aliases: names.names.length > 1 ? names.names : [],
    };
    name = `${name} ${sub}`;
  }
  if (!load) {
    console.error(`dockergsh: '${name}' is not a dockergsh command.`);
    console.error("See 'dockergsh --help'");
    return 1;
  }
  const kernelModule = KERNEL_ON_DEMAND.has(load) ? undefined : import("./_cli_kernel.ts");
  const { command } = await load();
  try {
    if (rest[0] === "--help") {
      console.log((await import("./_help.ts")).commandHelp(command, helpAs));
      return 0;
    }
    const flags = parseFlags(rest, command.flags, { stopAtPositional: command.stopAtPositional });
    const argError = argumentCountError(name, command, flags.positionals.length);
    if (argError) throw new UserError(argError, 1);
    if (Deno.uid() !== 0) {
      throw new UserError("dockergsh: this command needs root (try sudo)");
    }
    const root = resolveRoot(rootFlag);
    ensurePrivateRoot(root);
    const kernel = kernelModule === undefined && command.usesKernel?.(flags) === false
      ? noKernel(name)
      : await (await (kernelModule ?? import("./_cli_kernel.ts"))).cliKernel();
    return await command.run({ root, kernel, debug: debugEnabled(), insecureRegistries }, flags);
  } catch (err) {
    if (err instanceof UserError) {
      console.error(err.message);
      return err.exitCode;
    }
    // A SyscallError exists only if its module is loaded: importing it here gives that same module.
    if (err instanceof (await import("../../ffi/errno.ts")).SyscallError) {
      console.error(`dockergsh: ${err.message}`);
      return 125;
    }
    if (err instanceof Error) {
      console.error(`dockergsh: ${err.message}`);
      if (debugEnabled()) console.error(err.stack);
      return 125;
    }
    throw err;
  }
}
