/**
 * iptables rules that dockergsh owns. Every rule carries
 * `-m comment --comment dockergsh:<tag>`, so the rules of one network or
 * one container are found (in `iptables -S` output) and deleted without
 * touching anyone else's.
 *
 * Changes go through one `iptables-restore --noflush` per call: one
 * transaction per table (nat, then filter), which with the nf_tables backend
 * costs one kernel commit (~25 ms for a delete), not one per rule. Undoing
 * a failed add (`removeRules`) goes through `iptables -D` rule by rule
 * instead: it must work when iptables-restore is what just failed.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { runEvery } from "../_undo.ts";
import { exec, execAsync, tryExec, withInputFile } from "./_exec.ts";

/** A table iptables knows. */
export type Table = "nat" | "filter";

/** One tagged rule: where it goes and what it matches and does. */
export interface Rule {
  table: Table;
  chain: string;
  /** Matches and target, without the chain and without the comment. */
  spec: string[];
  tag: string;
  /** Insert at the top of the chain instead of appending. */
  first?: boolean;
}

/** A rule as listed by `iptables -S`: its table, its tag, and its words (`-A CHAIN …`). */
export interface ListedRule {
  table: Table;
  tag: string;
  words: string[];
}

const PREFIX = "dockergsh:";

/** The spec with the tag's comment before the target. */
function tagged(rule: Rule): string[] {
  const jump = rule.spec.indexOf("-j");
  const at = jump < 0 ? rule.spec.length : jump;
  return [
    ...rule.spec.slice(0, at),
    ...["-m", "comment", "--comment", `${PREFIX}${rule.tag}`],
    ...rule.spec.slice(at),
  ];
}

/** True when `rule` is in place (`iptables -C`). */
export function hasRule(rule: Rule): boolean {
  return tryExec("iptables", ["-w", "-t", rule.table, "-C", rule.chain, ...tagged(rule)]).code ===
    0;
}

/** Applies `-A`/`-I`/`-D` lines, grouped by table, in one `iptables-restore --noflush`. */
function restore(lines: { table: Table; words: string[] }[]): void {
  if (lines.length === 0) return;
  const text = (["nat", "filter"] as const)
    .filter((t) => lines.some((l) => l.table === t))
    .map((t) =>
      [`*${t}`, ...lines.filter((l) => l.table === t).map((l) => l.words.join(" ")), "COMMIT"]
        .join("\n")
    )
    .join("\n") + "\n";
  debug("network", `iptables-restore rules: ${text.trim().split("\n").join(" | ")}`);
  try {
    withInputFile(
      "dockergsh-iptables-rules",
      text,
      (file) => exec("iptables-restore", ["-w", "--noflush", file]),
    );
  } catch (err) {
    if (err instanceof Error) err.message += ` (rules: ${text.trim().split("\n").join(" | ")})`;
    throw err;
  }
}

/** Adds `rules` in one transaction per table (a failure in filter leaves nat's in). */
export function addRules(rules: readonly Rule[]): void {
  restore(rules.map((r) => ({
    table: r.table,
    words: [...(r.first ? ["-I", r.chain, "1"] : ["-A", r.chain]), ...tagged(r)],
  })));
}

/**
 * Undoes `addRules(rules)` after it failed, possibly half-way (nat
 * committed, filter not): deletes each of `rules` that is in place with
 * `iptables -D`, not through iptables-restore, which may be what failed.
 * Every rule is tried; the first failure is thrown after all were.
 */
export function removeRules(rules: readonly Rule[]): void {
  runEvery(rules.map((rule) => () => {
    if (hasRule(rule)) {
      exec("iptables", ["-w", "-t", rule.table, "-D", rule.chain, ...tagged(rule)]);
    }
  }));
}

/** Every dockergsh-tagged rule of `table`. */
export function listTagged(table: Table): ListedRule[] {
  return exec("iptables", ["-w", "-t", table, "-S"]).split("\n")
    .map((line) => taggedRule(table, line))
    .filter((r): r is ListedRule => r !== undefined);
}

/**
 * The rules of both tables carrying one of `tags`, from one
 * `iptables-save` (one process for both tables: this runs on every start
 * on a bridge network, to repair a flushed rule), or from `saved`, its
 * output taken a moment before (savedRules).
 */
export function rulesTagged(tags: readonly string[], saved?: string): ListedRule[] {
  const out: ListedRule[] = [];
  let table: string | undefined;
  for (const line of (saved ?? exec("iptables-save", [])).split("\n")) {
    if (line.startsWith("*")) table = line.slice(1);
    else if (table === "nat" || table === "filter") {
      const rule = taggedRule(table, line);
      if (rule && tags.includes(rule.tag)) out.push(rule);
    }
  }
  return out;
}

/** `iptables-save`'s output, while this process goes on: for rulesTagged's `saved`. */
export function savedRules(): Promise<string> {
  return execAsync("iptables-save", []);
}

/** `line` of `iptables -S` or `iptables-save` as a rule of ours, or undefined. */
function taggedRule(table: Table, line: string): ListedRule | undefined {
  if (!line.startsWith("-A ")) return undefined;
  // Our rules hold no spaces inside a word; both listings quote the comment.
  const words = line.split(" ").map((w) => w.replace(/^"(.*)"$/, "$1"));
  const i = words.indexOf("--comment");
  if (i < 0 || !words[i + 1]?.startsWith(PREFIX)) return undefined;
  return { table, tag: words[i + 1].slice(PREFIX.length), words };
}

/** Deletes every rule carrying one of `tags`, in one transaction; returns how many. */
export function deleteTagged(tags: readonly string[]): number {
  const rules = rulesTagged(tags);
  restore(rules.map((r) => ({ table: r.table, words: ["-D", ...r.words.slice(1)] })));
  return rules.length;
}

/** Creates the chain unless it exists; returns whether it made it. */
export function ensureChain(table: Table, chain: string): boolean {
  if (tryExec("iptables", ["-w", "-t", table, "-S", chain]).code === 0) return false;
  exec("iptables", ["-w", "-t", table, "-N", chain]);
  return true;
}

/** The number of rules in `chain` (0 when the chain does not exist). */
export function chainLength(table: Table, chain: string): number {
  const res = tryExec("iptables", ["-w", "-t", table, "-S", chain]);
  if (res.code !== 0) return 0;
  return res.stdout.split("\n").filter((line) => line.startsWith("-A ")).length;
}

/** Deletes `chain` if it exists and holds no rule (it must be unreferenced). */
export function deleteChainIfEmpty(table: Table, chain: string): void {
  if (chainLength(table, chain) === 0) deleteChain(table, chain);
}

/** Deletes `chain` (which must be empty and unreferenced) if it exists. */
export function deleteChain(table: Table, chain: string): void {
  if (tryExec("iptables", ["-w", "-t", table, "-S", chain]).code === 0) {
    exec("iptables", ["-w", "-t", table, "-X", chain]);
  }
}
