/**
 * The runtime's subcommands, runc's names and flags: each parses its
 * arguments and calls one operation of src/runtime/.
 *
 * @module
 */

import type { Kernel } from "../../../ffi/kernel.ts";
import { createContainer } from "../../runtime/create.ts";
import { deleteContainer } from "../../runtime/delete.ts";
import { RuntimeError } from "../../runtime/errors.ts";
import { execInContainer } from "../../runtime/exec.ts";
import { runtimeFeatures } from "../../runtime/features.ts";
import { killContainer } from "../../runtime/kill.ts";
import { listContainers } from "../../runtime/list.ts";
import { pauseContainer, resumeContainer } from "../../runtime/pause.ts";
import type { RuntimeRoot } from "../../runtime/paths.ts";
import { containerPids, processLine } from "../../runtime/ps.ts";
import { parseSignal } from "../../runtime/signals.ts";
import { startContainer } from "../../runtime/start.ts";
import { containerState } from "../../runtime/state.ts";
import {
  parseResourceUpdate,
  resourceUpdateFromFlags,
  UNSUPPORTED_UPDATE_FLAGS,
  updateContainer,
} from "../../runtime/update.ts";
import { type FlagSpec, type ParsedFlags, parseFlags } from "../flags.ts";

/** What every subcommand gets. */
export interface RuntimeContext {
  root: RuntimeRoot;
  kernel: Kernel;
}

/** One subcommand. */
export interface RuntimeCommand {
  usage: string;
  flags: FlagSpec[];
  /** Positional arguments: exactly `args`, or at least when `moreArgs`. */
  args: number;
  moreArgs?: boolean;
  run(ctx: RuntimeContext, flags: ParsedFlags): Promise<number>;
}

const bool = (long: string, help: string, short?: string): FlagSpec => ({
  long,
  short,
  kind: "bool",
  help,
});
const str = (long: string, help: string, short?: string): FlagSpec => ({
  long,
  short,
  kind: "string",
  help,
});

const CREATE_FLAGS: FlagSpec[] = [
  str("bundle", "path to the root of the bundle directory (default: .)", "b"),
  str("pid-file", "file to write the init's host PID to"),
  str("console-socket", "unix socket that receives the terminal's master (SCM_RIGHTS)"),
  bool("no-pivot", "move the root over the old one and chroot rather than pivot_root (less safe)"),
  bool("no-new-keyring", "keep the caller's session keyring, not one of the container's own"),
  str("preserve-fds", "pass N more fds, from 3 on, to the container's process"),
];

function createOptions(flags: ParsedFlags) {
  const preserve = flags.strings.get("preserve-fds") ?? "0";
  if (!/^[0-9]{1,4}$/.test(preserve)) {
    throw new RuntimeError(`--preserve-fds ${preserve}: not a number of descriptors`);
  }
  return {
    preserveFds: Number(preserve),
    bundle: flags.strings.get("bundle") ?? ".",
    pidFile: flags.strings.get("pid-file"),
    consoleSocket: flags.strings.get("console-socket"),
    noPivot: flags.bools.has("no-pivot"),
    noNewKeyring: flags.bools.has("no-new-keyring"),
  };
}

/** Every subcommand by name. */
export const RUNTIME_COMMANDS: Record<string, RuntimeCommand> = {
  create: {
    usage: "create [--bundle DIR] [--pid-file F] [--console-socket S] ID",
    flags: CREATE_FLAGS,
    args: 1,
    async run({ root, kernel }, flags) {
      await createContainer(root, kernel, flags.positionals[0], createOptions(flags));
      return 0;
    },
  },
  start: {
    usage: "start ID",
    flags: [],
    args: 1,
    async run({ root, kernel }, flags) {
      await startContainer(root, kernel, flags.positionals[0]);
      return 0;
    },
  },
  run: {
    usage: "run [--bundle DIR] [--pid-file F] [--console-socket S] [--detach] ID",
    flags: [...CREATE_FLAGS, bool("detach", "return once the container is started", "d")],
    args: 1,
    async run({ root, kernel }, flags) {
      const id = flags.positionals[0];
      const created = await createContainer(root, kernel, id, createOptions(flags));
      try {
        await startContainer(root, kernel, id);
      } catch (err) {
        await deleteContainer(root, kernel, id, true);
        throw err;
      }
      if (flags.bools.has("detach")) return 0;
      const status = await created.exited;
      await deleteContainer(root, kernel, id, true);
      return status.code;
    },
  },
  pause: {
    usage: "pause ID",
    flags: [],
    args: 1,
    async run({ root }, flags) {
      await pauseContainer(root, flags.positionals[0]);
      return 0;
    },
  },
  resume: {
    usage: "resume ID",
    flags: [],
    args: 1,
    async run({ root }, flags) {
      await resumeContainer(root, flags.positionals[0]);
      return 0;
    },
  },
  state: {
    usage: "state ID",
    flags: [],
    args: 1,
    run({ root }, flags) {
      console.log(JSON.stringify(containerState(root, flags.positionals[0]), null, 2));
      return Promise.resolve(0);
    },
  },
  kill: {
    usage: "kill [--all] ID [SIGNAL]",
    flags: [bool("all", "signal every process of the container's cgroup", "a")],
    args: 1,
    moreArgs: true,
    async run({ root, kernel }, flags) {
      const [id, signal = "SIGTERM", ...extra] = flags.positionals;
      if (extra.length) throw new RuntimeError("kill: use kill [--all] ID [SIGNAL]");
      await killContainer(root, kernel, id, parseSignal(signal), flags.bools.has("all"));
      return 0;
    },
  },
  delete: {
    usage: "delete [--force] ID",
    flags: [bool("force", "kill a running container first; a missing one is no error", "f")],
    args: 1,
    async run({ root, kernel }, flags) {
      await deleteContainer(root, kernel, flags.positionals[0], flags.bools.has("force"));
      return 0;
    },
  },
  exec: {
    usage: "exec [--process F | ID ARGS...] [--detach] [--pid-file F] [--console-socket S] " +
      "[--tty] [--cwd D] [--env K=V] [--user UID[:GID]] ID",
    flags: [
      str("process", "runtime-spec process JSON file", "p"),
      bool("detach", "return once the process runs", "d"),
      str("pid-file", "file to write the process's host PID to"),
      str("console-socket", "unix socket that receives the terminal's master (SCM_RIGHTS)"),
      bool("tty", "give the process a terminal", "t"),
      str("cwd", "working directory in the container"),
      { long: "env", short: "e", kind: "list", help: "KEY=VALUE to add to the environment" },
      str("user", "UID[:GID] to run as", "u"),
      bool("ignore-paused", "exec into a paused container (the process starts frozen)"),
    ],
    args: 1,
    moreArgs: true,
    run({ root, kernel }, flags) {
      const [id, ...args] = flags.positionals;
      return execInContainer(root, kernel, id, {
        processFile: flags.strings.get("process"),
        args,
        detach: flags.bools.has("detach"),
        pidFile: flags.strings.get("pid-file"),
        consoleSocket: flags.strings.get("console-socket"),
        tty: flags.bools.has("tty"),
        cwd: flags.strings.get("cwd"),
        env: flags.lists.get("env") ?? [],
        user: flags.strings.get("user"),
        ignorePaused: flags.bools.has("ignore-paused"),
      });
    },
  },
  ps: {
    usage: "ps [--format table|json] ID",
    flags: [str("format", "table or json", "f")],
    args: 1,
    run({ root }, flags) {
      const format = flags.strings.get("format") ?? "table";
      if (format !== "table" && format !== "json") {
        throw new RuntimeError(`ps: unknown --format ${JSON.stringify(format)} (table or json)`);
      }
      const pids = containerPids(root, flags.positionals[0]);
      if (format === "json") console.log(JSON.stringify(pids));
      else console.log(["PID       CMD", ...pids.map(processLine)].join("\n"));
      return Promise.resolve(0);
    },
  },
  list: {
    usage: "list [--format table|json] [--quiet]",
    flags: [str("format", "table or json", "f"), bool("quiet", "IDs only", "q")],
    args: 0,
    run({ root }, flags) {
      const states = listContainers(root);
      const format = flags.strings.get("format") ?? "table";
      if (flags.bools.has("quiet")) {
        for (const s of states) console.log(s.id);
      } else if (format === "json") {
        console.log(JSON.stringify(states));
      } else if (format === "table") {
        const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]];
        for (const s of states) {
          rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || "root"]);
        }
        const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
        for (const r of rows) {
          console.log(r.map((v, c) => v.padEnd(widths[c] + 3)).join("").trimEnd());
        }
      } else {
        throw new RuntimeError(`list: unknown --format ${JSON.stringify(format)} (table or json)`);
      }
      return Promise.resolve(0);
    },
  },
  update: {
    usage: "update [--memory B] [--memory-swap B] [--memory-reservation B] [--cpu-share N] " +
      "[--cpu-quota US] [--cpu-period US] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] " +
      "[-r FILE|-] ID",
    flags: [
      str("resources", "linux.resources JSON file, or - for stdin (other flags ignored)", "r"),
      str("memory", "memory limit (bytes; k, m, g units; -1 unlimited)"),
      str("memory-swap", "memory plus swap (bytes; k, m, g units; -1 unlimited)"),
      str("memory-reservation", "memory soft limit (bytes; k, m, g units; -1 unlimited)"),
      { ...str("cpu-share", "CPU shares (relative weight)"), aliases: ["cpu-shares"] },
      str("cpu-quota", "CFS quota, µs per period (-1 unlimited)"),
      str("cpu-period", "CFS period, µs"),
      str("cpuset-cpus", "CPUs to run on (0-3, 0,1)"),
      str("cpuset-mems", "memory nodes to use"),
      str("pids-limit", "most processes (-1 unlimited)"),
      ...UNSUPPORTED_UPDATE_FLAGS.map((f) => str(f, "not supported (refused)")),
    ],
    args: 1,
    async run({ root }, flags) {
      const file = flags.strings.get("resources");
      let update;
      if (file === undefined) {
        update = resourceUpdateFromFlags(flags.strings);
      } else {
        let text: string;
        try {
          text = file === "-"
            ? new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer())
            : Deno.readTextFileSync(file);
        } catch (err) {
          throw new RuntimeError(`resources ${file}: ${(err as Error).message}`);
        }
        update = parseResourceUpdate(text);
      }
      await updateContainer(root, flags.positionals[0], update);
      return 0;
    },
  },
  features: {
    usage: "features",
    flags: [],
    args: 0,
    run() {
      console.log(JSON.stringify(runtimeFeatures(), null, 2));
      return Promise.resolve(0);
    },
  },
};

/** Parses `args` for `cmd` (`name`) and checks the number of positional arguments. */
export function parseCommandArgs(name: string, cmd: RuntimeCommand, args: string[]): ParsedFlags {
  const flags = parseFlags(args, cmd.flags, { stopAtPositional: name === "exec" });
  const n = flags.positionals.length;
  if (n < cmd.args || (!cmd.moreArgs && n > cmd.args)) {
    throw new RuntimeError(`${name}: wrong number of arguments (usage: ${cmd.usage})`);
  }
  return flags;
}
