/**
 * A small subset of Go's text/template, for `inspect --format` (and any
 * other `--format` flag): enough for what Docker users type.
 *
 * - text with actions `{{ … }}`, trim markers `{{- ` and ` -}}`, comments `{{/* … *\/}}`
 * - `.`, field chains `.State.Pid`, `(pipeline).Field`, `$` (the top-level value)
 * - strings `"…"` and `` `…` ``, numbers, `true`, `false`, `nil`
 * - pipelines `{{.Config.Env | json}}`; `{{if}}`, `{{else if}}`, `{{range}}`,
 *   `{{with}}`, each with an optional `{{else}}`, closed by `{{end}}`
 * - methods: a field whose value is a function is called with the
 *   arguments after it (Docker's `{{.Label "key"}}` in `ps --format`)
 * - functions: Docker's `json`, `join`, `split`, `upper`, `lower`, `title`,
 *   `truncate`, and Go's `len`, `index`, `eq`, `ne`, `lt`, `le`, `gt`,
 *   `ge`, `not`, `and`, `or`, `print`, `println`
 *
 * Values are decoded JSON, as `docker inspect` executes templates on the
 * raw JSON when a field is not in its Go types: a missing key prints
 * `<no value>`, objects print as `map[k:v …]`, arrays as `[a b]`.
 *
 * @module
 */

import { UserError } from "../errors.ts";

type Value = unknown;

type Operand =
  | { kind: "field"; base: "dot" | "root"; path: string[] }
  | { kind: "literal"; value: Value }
  | { kind: "func"; name: string }
  | { kind: "paren"; pipe: Pipeline; path: string[] };

/** Commands separated by `|`; each command is an operand or a function and its arguments. */
type Pipeline = Operand[][];

type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipeline; source: string; pos: string }
  | {
    kind: "if" | "range" | "with";
    pipe: Pipeline;
    source: string;
    body: Node[];
    otherwise: Node[];
  };

/** A template that does not parse (exit 125) or fails while executing (exit 1, as Docker's CLI). */
export class TemplateError extends UserError {
  constructor(message: string, exitCode?: number) {
    super(`template: ${message}`, exitCode);
  }
}

/** Go's zero value of a struct field the JSON leaves null or out: a nil slice, map or pointer, or "". */
export type GoZero = "slice" | "map" | "pointer" | "string";

/** What a field missing from an object is: Go's `<no value>`, or an error as Docker's structs and `missingkey=error` maps give. */
export interface TemplateOptions {
  /** Throw on a missing field; with `structType`, in the words Go uses for a struct of that type. */
  missingKeyError?: boolean;
  structType?: string;
  /**
   * The Go type of field `key` where the document is Docker's structs as
   * JSON: a null prints as that type's nil (`[]`, `map[]`, `<nil>`; a slice
   * when undefined) and a field JSON left out (omitempty) is its zero value.
   */
  zeroOf?: (key: string) => GoZero | undefined;
}

/** A typed nil of Go (a nil slice, map or pointer): prints as Go prints it, is JSON null. */
class GoNil {
  constructor(readonly kind: "slice" | "map" | "pointer") {}
  toJSON(): null {
    return null;
  }
  toString(): string {
    return this.kind === "slice" ? "[]" : this.kind === "map" ? "map[]" : "<nil>";
  }
}

function zeroValue(kind: GoZero): Value {
  return kind === "string" ? "" : new GoNil(kind);
}

/** The options of the render in progress (rendering is synchronous, one at a time). */
let rendering: TemplateOptions = {};
/** Where the action being executed is ("line:col"), for execution errors. */
let position = "1";

// ---------------------------------------------------------------- lexing

interface Action {
  /** The text between the delimiters, trim markers removed. */
  body: string;
  line: number;
  /** Byte column (from 0) of the body's first character in its line, as Go reports positions. */
  col: number;
}

type Piece = { kind: "text"; text: string } | { kind: "action"; action: Action };

/** Splits the source into text and actions, applying trim markers. */
function split(src: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = src.slice(i, open < 0 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, "");
    trimNext = false;
    if (open < 0) {
      if (text) pieces.push({ kind: "text", text });
      break;
    }
    let start = open + 2;
    if (/^- /.test(src.slice(start, start + 2))) {
      text = text.replace(/\s+$/, "");
      start += 2;
    }
    if (text) pieces.push({ kind: "text", text });
    const line = src.slice(0, open).split("\n").length;
    const close = findClose(src, start, line);
    let end = close;
    if (/ -$/.test(src.slice(close - 2, close))) {
      end -= 2;
      trimNext = true;
    }
    const raw = src.slice(start, end);
    const body = raw.trim();
    const col = start + (raw.length - raw.trimStart().length) - (src.lastIndexOf("\n", open) + 1);
    if (!/^\/\*[\s\S]*\*\/$/.test(body)) {
      pieces.push({ kind: "action", action: { body, line, col } });
    }
    i = close + 2;
  }
  return pieces;
}

/** Index of the `}}` closing the action that starts at `from`, skipping quoted strings. */
function findClose(src: string, from: number, line: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "`") {
      const j = c === "`" ? src.indexOf("`", i + 1) : closingQuote(src, i);
      if (j < 0) throw new TemplateError(`:${line}: unterminated quoted string`);
      i = j;
    } else if (c === "}" && src[i + 1] === "}") {
      return i;
    }
  }
  throw new TemplateError(`:${line}: unclosed action`);
}

function closingQuote(src: string, from: number): number {
  for (let i = from + 1; i < src.length; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === '"') return i;
    else if (src[i] === "\n") return -1;
  }
  return -1;
}

type Token =
  | { t: "field"; path: string[] }
  | { t: "dot" }
  | { t: "root"; path: string[] }
  | { t: "string"; value: string }
  | { t: "number"; value: number }
  | { t: "ident"; name: string }
  | { t: "(" | ")" | "|" };

const TOKEN =
  /\s*(?:("(?:[^"\\\n]|\\.)*")|(`[^`]*`)|(\$(?:\.[A-Za-z_]\w*)*)|((?:\.[A-Za-z_]\w*)+)|(\.)|(-?\d+(?:\.\d+)?)|([A-Za-z_]\w*)|([()|]))/y;

function tokenize(body: string, line: number): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < body.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(body);
    if (!m) {
      const rest = body.slice(pos).trim();
      if (rest === "") break;
      throw new TemplateError(`:${line}: unexpected "${rest[0]}" in command`);
    }
    pos = TOKEN.lastIndex;
    const [, dq, raw, root, field, dot, num, ident, punct] = m;
    if (dq !== undefined) out.push({ t: "string", value: JSON.parse(dq) });
    else if (raw !== undefined) out.push({ t: "string", value: raw.slice(1, -1) });
    else if (root !== undefined) out.push({ t: "root", path: root.split(".").slice(1) });
    else if (field !== undefined) out.push({ t: "field", path: field.split(".").slice(1) });
    else if (dot !== undefined) out.push({ t: "dot" });
    else if (num !== undefined) out.push({ t: "number", value: Number(num) });
    else if (ident !== undefined) out.push({ t: "ident", name: ident });
    else out.push({ t: punct as "(" | ")" | "|" });
  }
  return out;
}

// --------------------------------------------------------------- parsing

function parsePipeline(tokens: Token[], line: number): Pipeline {
  let i = 0;
  const pipeline = (): Pipeline => {
    const cmds: Operand[][] = [];
    let cmd: Operand[] = [];
    while (i < tokens.length && tokens[i].t !== ")") {
      const tok = tokens[i++];
      if (tok.t === "|") {
        if (cmd.length === 0) throw new TemplateError(`:${line}: missing command before "|"`);
        cmds.push(cmd);
        cmd = [];
        continue;
      }
      cmd.push(operand(tok));
    }
    if (cmd.length === 0) throw new TemplateError(`:${line}: missing value for command`);
    cmds.push(cmd);
    return cmds;
  };
  const operand = (tok: Token): Operand => {
    switch (tok.t) {
      case "field":
        return { kind: "field", base: "dot", path: tok.path };
      case "dot":
        return { kind: "field", base: "dot", path: [] };
      case "root":
        return { kind: "field", base: "root", path: tok.path };
      case "string":
      case "number":
        return { kind: "literal", value: tok.value };
      case "ident":
        if (tok.name === "true" || tok.name === "false") {
          return { kind: "literal", value: tok.name === "true" };
        }
        if (tok.name === "nil") return { kind: "literal", value: null };
        if (!Object.hasOwn(FUNCS, tok.name)) {
          throw new TemplateError(`:${line}: function "${tok.name}" not defined`);
        }
        return { kind: "func", name: tok.name };
      case "(": {
        const inner = pipeline();
        if (tokens[i]?.t !== ")") throw new TemplateError(`:${line}: unclosed left paren`);
        i++;
        const next = tokens[i];
        const path = next?.t === "field" ? (i++, next.path) : [];
        return { kind: "paren", pipe: inner, path };
      }
      default:
        throw new TemplateError(`:${line}: unexpected "${tok.t}" in operand`);
    }
  };
  const result = pipeline();
  if (i < tokens.length) throw new TemplateError(`:${line}: unexpected ")" in command`);
  return result;
}

/** Parses the whole template into a tree. */
function parse(src: string): Node[] {
  const pieces = split(src);
  let i = 0;
  // Parses nodes until {{else…}} or {{end}}; returns them and the action that stopped it.
  const list = (inBlock: boolean): { nodes: Node[]; stop?: Action } => {
    const nodes: Node[] = [];
    while (i < pieces.length) {
      const p = pieces[i++];
      if (p.kind === "text") {
        nodes.push({ kind: "text", text: p.text });
        continue;
      }
      const { body, line, col } = p.action;
      const word = /^[A-Za-z_]\w*/.exec(body)?.[0] ?? "";
      if (word === "end" || word === "else") {
        if (!inBlock) throw new TemplateError(`:${line}: unexpected {{${word}}}`);
        return { nodes, stop: p.action };
      }
      if (word === "if" || word === "range" || word === "with") {
        nodes.push(block(word, body.slice(word.length), line));
      } else {
        nodes.push({
          kind: "action",
          pipe: parsePipeline(tokenize(body, line), line),
          source: body,
          pos: `${line}:${col}`,
        });
      }
    }
    if (inBlock) throw new TemplateError(`:${src.split("\n").length}: unexpected EOF`);
    return { nodes };
  };
  const block = (kind: "if" | "range" | "with", rest: string, line: number): Node => {
    const pipe = parsePipeline(tokenize(rest, line), line);
    const { nodes: body, stop } = list(true);
    let otherwise: Node[] = [];
    const stopWord = stop!.body.split(/\s+/);
    if (stopWord[0] === "else") {
      const tail = stop!.body.slice(4).trim();
      if (/^if\b/.test(tail) && kind === "if") {
        // {{else if X}} is {{else}}{{if X}}…{{end}} sharing the outer {{end}}.
        otherwise = [block("if", tail.slice(2), stop!.line)];
      } else {
        if (tail !== "") throw new TemplateError(`:${stop!.line}: unexpected "${tail}" after else`);
        const after = list(true);
        if (after.stop!.body !== "end") {
          throw new TemplateError(`:${after.stop!.line}: expected end; found ${after.stop!.body}`);
        }
        otherwise = after.nodes;
      }
    } else if (stop!.body !== "end") {
      throw new TemplateError(`:${stop!.line}: unexpected "${stop!.body}"`);
    }
    return { kind, pipe, source: `${kind}${rest}`, body, otherwise };
  };
  return list(false).nodes;
}

// ------------------------------------------------------------- execution

function isObject(v: Value): v is Record<string, Value> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoNil);
}

function goType(v: Value): string {
  if (v === undefined || v === null) return "interface {}";
  if (typeof v === "number") return "float64";
  if (Array.isArray(v)) return "[]interface {}";
  return typeof v;
}

/** Go's truthiness: false, 0, nil and empty strings, arrays and maps are false. */
function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (v instanceof GoNil) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** fmt's %v for decoded JSON values. */
function show(v: Value): string {
  if (v === undefined || v === null) return "<no value>";
  if (v instanceof GoNil) return v.toString();
  if (Array.isArray(v)) return `[${v.map(showInner).join(" ")}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v).sort().map((k) => `${k}:${showInner(v[k])}`).join(" ")}]`;
  }
  return String(v);
}

function showInner(v: Value): string {
  return v === undefined || v === null ? "<nil>" : show(v);
}

function field(v: Value, path: string[], source: string): Value {
  for (const key of path) {
    if (isObject(v)) {
      const zero = rendering.zeroOf;
      if (zero && !(key in v) && zero(key)) {
        v = zeroValue(zero(key)!);
        continue;
      }
      if (rendering.missingKeyError && !(key in v)) {
        throw new TemplateError(
          rendering.structType
            ? `:${position}: executing "" at <${source}>: can't evaluate field ${key} in type ${rendering.structType}`
            : `:${position}: executing "" at <${source}>: map has no entry for key "${key}"`,
          1,
        );
      }
      v = v[key];
      if (v === null && zero) v = zeroValue(zero(key) ?? "slice");
    } else if (v instanceof GoNil) {
      if (v.kind !== "map") {
        throw new TemplateError(
          `:${position}: executing "" at <${source}>: nil pointer evaluating interface {}.${key}`,
        );
      }
      return undefined;
    } else if (v === null) {
      // A field of a null object (Docker's nil map): no value, as `docker inspect` prints it.
      return undefined;
    } else if (v === undefined) {
      throw new TemplateError(
        `executing "" at <${source}>: nil pointer evaluating interface {}.${key}`,
      );
    } else {
      throw new TemplateError(
        `executing "" at <${source}>: can't evaluate field ${key} in type ${goType(v)}`,
      );
    }
  }
  return v;
}

function asString(v: Value, fn: string): string {
  if (typeof v !== "string") {
    throw new TemplateError(`executing "" at <${fn}>: expected a string, got ${goType(v)}`);
  }
  return v;
}

type Func = (...args: Value[]) => Value;

/** Index of the first value that satisfies `pred`, else the last index (Go's and/or). */
function firstIndex(vs: Value[], pred: (v: Value) => boolean): number {
  const i = vs.findIndex(pred);
  return i < 0 ? vs.length - 1 : i;
}

/**
 * Go's `lt`, `le`, `gt`, `ge`: two numbers or two strings, compared as
 * `order` says of their order's sign; any other pair is Go's error.
 */
function comparison(name: string, order: (sign: number) => boolean): Func {
  return (...vs) => {
    const fail = (why: string) => {
      throw new TemplateError(`executing "" at <${name}>: ${why}`);
    };
    if (vs.length !== 2) fail(`wrong number of args for ${name}: want 2 got ${vs.length}`);
    const [a, b] = vs;
    if (typeof a !== typeof b) fail(`error calling ${name}: incompatible types for comparison`);
    if (typeof a !== "number" && typeof a !== "string") {
      fail(`error calling ${name}: invalid type for comparison`);
    }
    return order(a === b ? 0 : (a as number | string) < (b as number | string) ? -1 : 1);
  };
}

const FUNCS: Record<string, Func> = {
  json: (v) => JSON.stringify(v ?? null),
  join: (list, sep) => {
    if (!Array.isArray(list)) {
      throw new TemplateError(`executing "" at <join>: expected a list, got ${goType(list)}`);
    }
    return list.map(showInner).join(asString(sep, "join"));
  },
  split: (s, sep) => asString(s, "split").split(asString(sep, "split")),
  upper: (s) => asString(s, "upper").toUpperCase(),
  lower: (s) => asString(s, "lower").toLowerCase(),
  title: (s) => asString(s, "title").replace(/\b\w/g, (c) => c.toUpperCase()),
  truncate: (s, n) => [...asString(s, "truncate")].slice(0, Number(n)).join(""),
  len: (v) => {
    if (v instanceof GoNil) return 0;
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (isObject(v)) return Object.keys(v).length;
    throw new TemplateError(`executing "" at <len>: len of type ${goType(v)}`);
  },
  index: (v, ...keys) => {
    for (const k of keys) {
      if (Array.isArray(v) && typeof k === "number") {
        if (k < 0 || k >= v.length) {
          throw new TemplateError(`executing "" at <index>: index out of range: ${k}`);
        }
        v = v[k];
      } else if (isObject(v) && typeof k === "string") {
        v = v[k];
      } else if (v === undefined || v === null || v instanceof GoNil) {
        return undefined;
      } else {
        throw new TemplateError(`executing "" at <index>: can't index item of type ${goType(v)}`);
      }
    }
    return v;
  },
  eq: (a, ...bs) => bs.some((b) => JSON.stringify(a) === JSON.stringify(b)),
  ne: (a, b) => JSON.stringify(a) !== JSON.stringify(b),
  lt: comparison("lt", (sign) => sign < 0),
  le: comparison("le", (sign) => sign <= 0),
  gt: comparison("gt", (sign) => sign > 0),
  ge: comparison("ge", (sign) => sign >= 0),
  not: (v) => !truthy(v),
  and: (...vs) => vs[firstIndex(vs, (v) => !truthy(v))],
  or: (...vs) => vs[firstIndex(vs, truthy)],
  print: (...vs) =>
    vs.map((v, i) =>
      (i > 0 && typeof v !== "string" && typeof vs[i - 1] !== "string" ? " " : "") + show(v)
    )
      .join(""),
  println: (...vs) => vs.map(show).join(" ") + "\n",
};

function evalPipeline(pipe: Pipeline, dot: Value, root: Value, source: string): Value {
  let piped: { value: Value } | undefined;
  for (const cmd of pipe) {
    const [head, ...args] = cmd;
    if (head.kind === "func") {
      const values = args.map((a) => evalOperand(a, dot, root, source));
      if (piped) values.push(piped.value);
      piped = { value: FUNCS[head.name](...values) };
      continue;
    }
    const value = evalOperand(head, dot, root, source);
    if (typeof value === "function") {
      // A method of the row (Docker's `.Label "key"`), called with its arguments.
      const values = args.map((a) => evalOperand(a, dot, root, source));
      if (piped) values.push(piped.value);
      piped = { value: (value as Func)(...values) };
      continue;
    }
    if (args.length > 0 || piped) {
      throw new TemplateError(`executing "" at <${source}>: can't give argument to non-function`);
    }
    piped = { value };
  }
  return piped!.value;
}

function evalOperand(op: Operand, dot: Value, root: Value, source: string): Value {
  switch (op.kind) {
    case "field":
      return field(op.base === "dot" ? dot : root, op.path, source);
    case "literal":
      return op.value;
    case "paren":
      return field(evalPipeline(op.pipe, dot, root, source), op.path, source);
    case "func":
      return FUNCS[op.name]();
  }
}

function execute(nodes: Node[], dot: Value, root: Value, out: string[]): void {
  for (const n of nodes) {
    if (n.kind === "text") {
      out.push(n.text);
      continue;
    }
    if (n.kind === "action") position = n.pos;
    const v = evalPipeline(n.pipe, dot, root, n.source);
    if (n.kind === "action") {
      out.push(show(v));
    } else if (n.kind === "if") {
      execute(truthy(v) ? n.body : n.otherwise, dot, root, out);
    } else if (n.kind === "with") {
      if (truthy(v)) execute(n.body, v, root, out);
      else execute(n.otherwise, dot, root, out);
    } else {
      const items = Array.isArray(v)
        ? v
        : isObject(v)
        ? Object.keys(v).sort().map((k) => v[k])
        : v === undefined || v === null || v instanceof GoNil
        ? []
        : undefined;
      if (items === undefined) {
        throw new TemplateError(
          `executing "" at <${n.source}>: range can't iterate over ${show(v)}`,
        );
      }
      if (items.length === 0) execute(n.otherwise, dot, root, out);
      for (const item of items) execute(n.body, item, root, out);
    }
  }
}

/**
 * Compiles a template; the returned function renders it for one value.
 * Parse and execution errors are UserErrors starting with "template: ".
 */
export function compileTemplate(
  src: string,
  opts: TemplateOptions = {},
): (data: unknown) => string {
  const nodes = parse(src);
  return (data) => {
    const out: string[] = [];
    rendering = opts;
    try {
      execute(nodes, data, data, out);
    } catch (err) {
      // Every error while executing exits 1, as Docker's CLI (parse errors keep 125).
      if (err instanceof TemplateError && err.exitCode !== 1) {
        throw new TemplateError(err.message.replace(/^template: /, ""), 1);
      }
      throw err;
    } finally {
      rendering = {};
    }
    return out.join("");
  };
}
