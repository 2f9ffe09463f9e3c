/**
 * The shape of a CLI command, and what every command receives.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import type { StateRoot } from "../store/paths.ts";
import type { FlagSpec } from "./flags.ts";

/** What a command runs with: the state root, the kernel, and debug output. */
export interface CommandContext {
  root: StateRoot;
  kernel: Kernel;
  debug: boolean;
  /** Registries that may be reached over plain HTTP (`--insecure-registry`, repeatable). */
  insecureRegistries: string[];
}

/** One `dockergsh` subcommand. */
export interface Command {
  name: string;
  /** After the program's name; further forms on lines of their own. */
  usage: string;
  summary: string;
  /** Docker's longer description, shown by `--help` after the summary. */
  description?: string;
  flags: FlagSpec[];
  /** Stop flag parsing at the first positional (run, exec). */
  stopAtPositional?: boolean;
  /** Positional count bounds (Docker's "requires at least N argument(s)"). */
  minArgs?: number;
  maxArgs?: number;
  /**
   * Whether a run with these flags calls the kernel through `ctx.kernel`;
   * without this, every run may. One that does not (`ps` without sizes)
   * starts without the libc bindings loaded, a third of a plain `ps`'s
   * code, and its `ctx.kernel` refuses every call. Only a command listed
   * in src/cli/main.ts's KERNEL_ON_DEMAND is asked.
   */
  usesKernel?: (flags: import("./flags.ts").ParsedFlags) => boolean;
  /** Runs the command; resolves to the process exit code. */
  run(ctx: CommandContext, flags: import("./flags.ts").ParsedFlags): Promise<number>;
}
