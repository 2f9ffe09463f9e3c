/**
 * Docker's management commands (`container ls`, `container rm`, …): each
 * subcommand is a top-level command under another name (`ls` is `ps`),
 * sometimes with an argument added (`container inspect` only looks for
 * containers), or a command of its own (`container prune`).
 *
 * @module
 */

import type { Command } from "./command.ts";

/** A subcommand: the top-level command it is (with extra leading arguments), or its own module. */
export type Subcommand =
  | { to: string; args?: string[] }
  | { load: () => Promise<{ command: Command }>; summary: string };

/** `container …`: Docker 20.10's list, for the commands dockergsh has. */
const CONTAINER: Record<string, Subcommand> = {
  attach: { to: "attach" },
  commit: { to: "commit" },
  cp: { to: "cp" },
  create: { to: "create" },
  diff: { to: "diff" },
  exec: { to: "exec" },
  export: { to: "export" },
  inspect: { to: "inspect", args: ["--type", "container"] },
  kill: { to: "kill" },
  logs: { to: "logs" },
  ls: { to: "ps" },
  ps: { to: "ps" },
  list: { to: "ps" },
  pause: { to: "pause" },
  port: { to: "port" },
  prune: {
    load: () => import("./commands/container_prune.ts"),
    summary: "Remove all stopped containers",
  },
  rename: { to: "rename" },
  restart: { to: "restart" },
  rm: { to: "rm" },
  run: { to: "run" },
  start: { to: "start" },
  stats: { to: "stats" },
  stop: { to: "stop" },
  top: { to: "top" },
  unpause: { to: "unpause" },
  wait: { to: "wait" },
};

/** `image …`: Docker 20.10's list. */
const IMAGE: Record<string, Subcommand> = {
  history: { to: "history" },
  import: { to: "import" },
  inspect: { to: "inspect", args: ["--type", "image"] },
  load: { to: "load" },
  ls: { to: "images" },
  list: { to: "images" },
  prune: {
    load: () => import("./commands/image_prune.ts"),
    summary: "Remove unused images",
  },
  pull: { to: "pull" },
  push: { to: "push" },
  rm: { to: "rmi" },
  rmi: { to: "rmi" },
  remove: { to: "rmi" },
  save: { to: "save" },
  tag: { to: "tag" },
};

/** `system …`. */
const SYSTEM: Record<string, Subcommand> = {
  df: { load: () => import("./commands/system_df.ts"), summary: "Show docker disk usage" },
  events: { to: "events" },
  info: { to: "info" },
  prune: { load: () => import("./commands/system_prune.ts"), summary: "Remove unused data" },
};

/** `volume …`: the subcommands are in one module (src/cli/commands/volume.ts). */
const volume = (
  name: "create" | "ls" | "inspect" | "rm" | "prune",
  summary: string,
): Subcommand => ({
  load: async () => ({ command: (await import("./commands/volume.ts"))[name] }),
  summary,
});
const VOLUME: Record<string, Subcommand> = {
  create: volume("create", "Create a volume"),
  inspect: volume("inspect", "Display detailed information on one or more volumes"),
  ls: volume("ls", "List volumes"),
  list: volume("ls", "List volumes"),
  prune: volume("prune", "Remove all unused local volumes"),
  rm: volume("rm", "Remove one or more volumes"),
  remove: volume("rm", "Remove one or more volumes"),
};

/** The management groups, by name. */
export const MANAGEMENT_GROUPS: Record<
  string,
  { summary: string; subcommands: Record<string, Subcommand> }
> = {
  container: { summary: "Manage containers", subcommands: CONTAINER },
  image: { summary: "Manage images", subcommands: IMAGE },
  system: { summary: "Manage Docker", subcommands: SYSTEM },
  volume: { summary: "Manage volumes", subcommands: VOLUME },
};

/** What a subcommand runs, to tell aliases apart from other subcommands. */
function targetKey(target: Subcommand): string {
  return "to" in target
    ? `to:${target.to}:${(target.args ?? []).join(" ")}`
    : `own:${target.summary}`;
}

/**
 * Subcommand `sub` of `group` under its first name (Docker's) and every
 * name it has, in Docker's order (`container ps` is `ls`, also `ps`, `list`).
 */
export function subcommandNames(
  group: string,
  sub: string,
): { canonical: string; names: string[] } {
  const table = MANAGEMENT_GROUPS[group].subcommands;
  const key = targetKey(table[sub]);
  const names = Object.keys(table).filter((n) => targetKey(table[n]) === key);
  return { canonical: names[0], names };
}

/** The first name of each of `group`'s subcommands (aliases left out, as Docker lists them). */
export function canonicalSubcommands(group: string): string[] {
  const table = MANAGEMENT_GROUPS[group].subcommands;
  return Object.keys(table).filter((n) => subcommandNames(group, n).canonical === n);
}

/** `dockergsh GROUP` alone: the group's usage, its subcommands listed. */
export function groupUsage(group: string, summaries: Record<string, string>): string {
  const names = Object.keys(summaries).sort();
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `Usage:  dockergsh ${group} COMMAND`,
    "",
    MANAGEMENT_GROUPS[group].summary,
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}${summaries[n]}`),
    "",
    `Run 'dockergsh ${group} COMMAND --help' for more information on a command.`,
  ].join("\n");
}
