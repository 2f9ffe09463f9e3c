/**
 * iptables rules that dockergsh owns. Every rule carries
 * `-m comment --comment dockergsh:<tag>`, so the rules of one network or
 * one container are found (in `iptables -S` output) and deleted without
 * touching anyone else's.
 *
 * @module
 */

import { exec, tryExec } from "./_exec.ts";

/** A table iptables knows. */
export type Table = "nat" | "filter";

/** The comment value that marks a rule as dockergsh's, for `tag`. */
export function commentOf(tag: string): string {
  return `dockergsh:${tag}`;
}

function withComment(spec: readonly string[], tag: string): string[] {
  const jump = spec.indexOf("-j");
  const at = jump < 0 ? spec.length : jump;
  return [...spec.slice(0, at), "-m", "comment", "--comment", commentOf(tag), ...spec.slice(at)];
}

/** Does the rule `spec` (without chain) exist in `chain` with the tag `tag`? */
export function hasRule(
  table: Table,
  chain: string,
  spec: readonly string[],
  tag: string,
): boolean {
  return tryExec("iptables", ["-w", "-t", table, "-C", chain, ...withComment(spec, tag)]).code ===
    0;
}

/**
 * Adds the tagged rule unless it is already there: appended, or inserted at
 * the top of the chain with `first`. Returns true when it was added.
 */
export function ensureRule(
  table: Table,
  chain: string,
  spec: readonly string[],
  tag: string,
  first = false,
): boolean {
  if (hasRule(table, chain, spec, tag)) return false;
  const where = first ? ["-I", chain, "1"] : ["-A", chain];
  exec("iptables", ["-w", "-t", table, ...where, ...withComment(spec, tag)]);
  return true;
}

/** `iptables -S` lines of `table` split into words, quotes dropped. */
function listRules(table: Table): string[][] {
  return exec("iptables", ["-w", "-t", table, "-S"])
    .split("\n")
    .filter((line) => line.startsWith("-A "))
    .map((line) => line.split(" ").map((w) => w.replace(/^"(.*)"$/, "$1")));
}

/** The rules of `table` tagged `tag`, each as `-A CHAIN …` words. */
export function taggedRules(table: Table, tag: string): string[][] {
  const comment = commentOf(tag);
  return listRules(table).filter((words) =>
    words.some((w, i) => w === comment && words[i - 1] === "--comment")
  );
}

/** Every dockergsh-tagged rule of `table`, each with its tag. */
export function allTaggedRules(table: Table): { tag: string; words: string[] }[] {
  const out: { tag: string; words: string[] }[] = [];
  for (const words of listRules(table)) {
    const i = words.indexOf("--comment");
    if (i >= 0 && words[i + 1]?.startsWith("dockergsh:")) {
      out.push({ tag: words[i + 1].slice("dockergsh:".length), words });
    }
  }
  return out;
}

/** Deletes every rule of `table` tagged `tag`; returns how many. */
export function deleteTagged(table: Table, tag: string): number {
  const rules = taggedRules(table, tag);
  for (const words of rules) {
    exec("iptables", ["-w", "-t", table, "-D", ...words.slice(1)]);
  }
  return rules.length;
}

/** Creates the chain unless it exists. */
export function ensureChain(table: Table, chain: string): void {
  if (tryExec("iptables", ["-w", "-t", table, "-S", chain]).code !== 0) {
    exec("iptables", ["-w", "-t", table, "-N", chain]);
  }
}

/** The number of rules in `chain` (0 when the chain does not exist). */
export function chainLength(table: Table, chain: string): number {
  const res = tryExec("iptables", ["-w", "-t", table, "-S", chain]);
  if (res.code !== 0) return 0;
  return res.stdout.split("\n").filter((line) => line.startsWith("-A ")).length;
}

/** Deletes `chain` (which must be empty and unreferenced) if it exists. */
export function deleteChain(table: Table, chain: string): void {
  if (tryExec("iptables", ["-w", "-t", table, "-S", chain]).code === 0) {
    exec("iptables", ["-w", "-t", table, "-X", chain]);
  }
}
