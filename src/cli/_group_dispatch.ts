/**
 * Docker's management command groups (`image ls`, `system df`): a command
 * whose first argument names a subcommand, each an existing command module
 * loaded on demand (so `image ls` is `images`, with the same flags and
 * output), or one defined in the group.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { Command } from "./command.ts";
import { type ParsedFlags, parseFlags } from "./flags.ts";

/** A subcommand: a command module to load, or a command. */
export type Subcommand = (() => Promise<{ command: Command }>) | Command;

function helpOf(group: string, summary: string, subs: Record<string, Subcommand>): string {
  return [
    `Usage:  dockergsh ${group} COMMAND`,
    "",
    summary,
    "",
    "Commands:",
    ...Object.keys(subs).sort().map((name) => `  ${name}`),
    "",
    `Run 'dockergsh ${group} COMMAND --help' for more information on a command.`,
  ].join("\n");
}

function optionsHelp(usage: string, cmd: Command): string {
  const lines = [`Usage:  dockergsh ${usage}`, "", cmd.summary];
  if (cmd.flags.length) lines.push("", "Options:");
  for (const f of cmd.flags) {
    const names = (f.short ? `-${f.short}, ` : "    ") + `--${f.long}`;
    lines.push(`  ${names.padEnd(24)} ${f.help}`);
  }
  return lines.join("\n");
}

/** Checks the positional count as the top-level commands do. */
function checkArgs(full: string, usage: string, cmd: Command, flags: ParsedFlags): void {
  const n = flags.positionals.length;
  const plural = (k: number) => `argument${k === 1 ? "" : "s"}`;
  if (cmd.minArgs !== undefined && n < cmd.minArgs) {
    throw new UserError(
      `"dockergsh ${full}" requires at least ${cmd.minArgs} ${
        plural(cmd.minArgs)
      } (usage: dockergsh ${usage})`,
    );
  }
  if (cmd.maxArgs !== undefined && n > cmd.maxArgs) {
    throw new UserError(
      `"dockergsh ${full}" requires at most ${cmd.maxArgs} ${
        plural(cmd.maxArgs)
      } (usage: dockergsh ${usage})`,
    );
  }
}

/** The group command `group` with subcommands `subs`. */
export function commandGroup(
  group: string,
  summary: string,
  subs: Record<string, Subcommand>,
): Command {
  return {
    name: group,
    usage: `${group} COMMAND`,
    summary,
    flags: [],
    stopAtPositional: true,
    async run(ctx, flags) {
      const [name, ...rest] = flags.positionals;
      if (name === undefined || name === "--help") {
        console.log(helpOf(group, summary, subs));
        return 0;
      }
      const sub = subs[name];
      if (!sub) {
        throw new UserError(
          `dockergsh: '${group} ${name}' is not a dockergsh command.\nSee 'dockergsh ${group} --help'`,
        );
      }
      const cmd = typeof sub === "function" ? (await sub()).command : sub;
      // `image ls` shows its own name, with the flags and arguments of the command it is.
      const usage = `${group} ${name}${cmd.usage.slice(cmd.usage.indexOf(" "))}`;
      if (rest.includes("--help")) {
        console.log(optionsHelp(usage, cmd));
        return 0;
      }
      const subFlags = parseFlags(rest, cmd.flags, {
        stopAtPositional: cmd.stopAtPositional,
        command: `dockergsh ${group} ${name}`,
      });
      checkArgs(`${group} ${name}`, usage, cmd, subFlags);
      return await cmd.run(ctx, subFlags);
    },
  };
}
