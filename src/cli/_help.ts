/**
 * `COMMAND --help` as Docker's CLI prints it (cobra and pflag's layout):
 * an empty line, `Usage:  docker …` (further forms on lines of their own,
 * after a tab), the summary, the longer description if any, and the
 * options sorted by name, each as `  -s, --long type   usage (default x)`,
 * the usage column aligned after the longest flag and wrapped to the
 * terminal's width less one (79 columns when not a terminal).
 *
 * @module
 */

import type { Command } from "./command.ts";
import type { FlagSpec } from "./flags.ts";

/** The value name pflag shows for a flag: Docker's type, else the kind's. */
function valueName(f: FlagSpec): string {
  if (f.type !== undefined) return f.type;
  return f.kind === "bool" ? "" : f.kind === "list" ? "list" : "string";
}

/** pflag's wrapN: `s` split at the last blank within `width` characters, unless all of it fits in `width + slop`. */
function splitLine(width: number, slop: number, s: string): [string, string] {
  if (width + slop > s.length) return [s, ""];
  const cut = s.slice(0, width).lastIndexOf(" ");
  if (cut <= 0) return [s, ""];
  return [s.slice(0, cut), s.slice(cut + 1)];
}

/** `text` wrapped into lines `columns - indent` wide, continuation lines indented by `indent`. */
function wrap(indent: number, columns: number, text: string): string {
  let width = columns - indent;
  let out = "";
  if (width < 24) {
    // Too narrow: the usage goes on the next line, under a 16-column indent.
    indent = 16;
    width = columns - indent;
    out = `\n${" ".repeat(indent)}`;
  }
  if (width < 24) return out + text;
  const slop = 5;
  let [line, rest] = splitLine(width - slop, slop, text);
  out += line;
  while (rest !== "") {
    [line, rest] = splitLine(width - slop, slop, rest);
    out += `\n${" ".repeat(indent)}${line}`;
  }
  return out;
}

/** The Options lines of `flags`, as pflag's FlagUsagesWrapped(columns). */
export function optionLines(flags: readonly FlagSpec[], columns: number): string[] {
  const sorted = flags.filter((f) => !f.hidden).sort((a, b) => a.long.localeCompare(b.long));
  const heads = sorted.map((f) => {
    const names = f.short ? `  -${f.short}, --${f.long}` : `      --${f.long}`;
    const value = valueName(f);
    return value ? `${names} ${value}` : names;
  });
  // pflag measures each head with one more character; the usage starts two columns after that.
  const widest = Math.max(...heads.map((h) => h.length + 1));
  return sorted.map((f, i) => {
    const usage = f.defaultValue === undefined
      ? f.help
      : `${f.help} (default ${
        valueName(f) === "string" ? JSON.stringify(f.defaultValue) : f.defaultValue
      })`;
    return `${heads[i].padEnd(widest + 2)}${wrap(widest + 2, columns, usage)}`;
  });
}

/** The width Docker wraps help to: the terminal's less one, or 79. */
function helpColumns(): number {
  try {
    if (Deno.stdout.isTerminal()) return Deno.consoleSize().columns - 1;
  } catch {
    // No terminal size to read.
  }
  return 79;
}

/**
 * The whole help of `cmd` (`usage` is its usage after the program's name);
 * `as` names it as a group's subcommand (`container ls`) with its aliases.
 */
export function commandHelp(cmd: Command, as?: { name: string; aliases: string[] }): string {
  const forms = cmd.usage.split("\n").map((u) => as ? `${as.name}${u.slice(u.indexOf(" "))}` : u);
  const [first, ...others] = forms;
  const lines = ["", `Usage:  dockergsh ${first}`, ...others.map((u) => `\tdockergsh ${u}`)];
  lines.push("", cmd.summary);
  if (cmd.description) lines.push("", cmd.description);
  if (as?.aliases.length) lines.push("", "Aliases:", `  ${as.aliases.join(", ")}`);
  if (cmd.flags.length) lines.push("", "Options:", ...optionLines(cmd.flags, helpColumns()));
  return lines.join("\n");
}
