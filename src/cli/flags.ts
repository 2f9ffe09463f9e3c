/**
 * Docker-style flag parsing: `-it` clusters, `-e K=V` and `-eK=V`,
 * `--name x` and `--name=x`, repeatable flags, and (for `run`/`exec`)
 * parsing stops at the first positional argument so that the container's
 * own flags (`run busybox ls -l`) are left alone.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** One flag of a command. */
export interface FlagSpec {
  long: string;
  short?: string;
  /** bool: no value; string: last one wins; list: repeatable. */
  kind: "bool" | "string" | "list";
  /** Other long names for the same flag (`--network` for `--net`). */
  aliases?: string[];
  help: string;
  /** The value's name in `--help`, as Docker's (`filter`, `int`, `bytes`…); by kind when absent. */
  type?: string;
  /** The default `--help` names, as Docker's "(default …)". */
  defaultValue?: string;
  /** Accepted but left out of `--help`, as Docker hides it. */
  hidden?: boolean;
}

/** Parsed flags, keyed by their long name. */
export interface ParsedFlags {
  bools: Set<string>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  positionals: string[];
}

/** Parses `args` against `specs`. Unknown flags are a UserError. */
export function parseFlags(
  args: readonly string[],
  specs: readonly FlagSpec[],
  opts: { stopAtPositional?: boolean } = {},
): ParsedFlags {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byLong.set(s.long, s);
    for (const a of s.aliases ?? []) byLong.set(a, s);
    if (s.short) byShort.set(s.short, s);
  }
  const out: ParsedFlags = {
    // A bool flag whose default is true (`commit --pause`) is set unless `--flag=false` clears it.
    bools: new Set(
      specs.filter((s) => s.kind === "bool" && s.defaultValue === "true").map((s) => s.long),
    ),
    strings: new Map(),
    lists: new Map(),
    positionals: [],
  };
  const set = (spec: FlagSpec, value: string | undefined) => {
    if (spec.kind === "bool") {
      // Go's strconv.ParseBool, as pflag reads a bool's value, in its words when it is none.
      if (value === undefined || ["1", "t", "T", "TRUE", "true", "True"].includes(value)) {
        out.bools.add(spec.long);
      } else if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) {
        out.bools.delete(spec.long);
      } else {
        const name = spec.short ? `-${spec.short}, --${spec.long}` : `--${spec.long}`;
        throw new UserError(
          `invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
        );
      }
      return;
    }
    if (value === undefined) throw new UserError(`flag needs an argument: --${spec.long}`);
    if (spec.kind === "string") out.strings.set(spec.long, value);
    else out.lists.set(spec.long, [...(out.lists.get(spec.long) ?? []), value]);
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name);
      // Docker's words exactly: no command name after them.
      if (!spec) throw new UserError(`unknown flag: --${name}`);
      let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
      if (value === undefined && spec.kind !== "bool") {
        if (i + 1 >= args.length) throw new UserError(`flag needs an argument: --${name}`);
        value = args[++i];
      }
      set(spec, value);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = byShort.get(arg[j]);
        if (!spec) throw new UserError(`unknown shorthand flag: '${arg[j]}' in ${arg}`);
        if (spec.kind === "bool") {
          // pflag's `-H=false`: a value for a short bool after "=".
          if (arg[j + 1] === "=") {
            set(spec, arg.slice(j + 2));
            break;
          }
          set(spec, undefined);
          continue;
        }
        let value = arg.slice(j + 1);
        if (value === "") {
          if (i + 1 >= args.length) {
            throw new UserError(`flag needs an argument: '${arg[j]}' in -${arg[j]}`);
          }
          value = args[++i];
        }
        set(spec, value);
        break;
      }
      continue;
    }
    if (opts.stopAtPositional) {
      out.positionals.push(...args.slice(i));
      break;
    }
    out.positionals.push(arg);
  }
  return out;
}
