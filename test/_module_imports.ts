/**
 * The module specifiers a TypeScript source file imports, found by a small
 * lexer rather than a regular expression over the text, so that an import
 * written across several lines is found and the word `from` inside a
 * comment, a string or a template literal is not taken for one.
 *
 * Found: `import … from "x"`, `export … from "x"`, `import "x"`, and
 * `import("x")` with a single string literal as its argument (dynamic
 * imports and `import("x").Type` in type positions). A dynamic import of a
 * computed specifier cannot be resolved from the source and is reported in
 * `computed` so a caller can refuse it instead of missing an edge.
 *
 * @module
 */

/** What {@link moduleImports} found in one source text. */
export interface ModuleImports {
  /** Every literal specifier, in source order, duplicates kept. */
  specifiers: string[];
  /** 1-based line of each `import(` whose argument is not a single string literal. */
  computed: number[];
}

/** Tokens after which a `/` starts a regular expression literal, not a division. */
const BEFORE_REGEX = new Set([
  "",
  "(",
  ",",
  "=",
  ":",
  "[",
  "!",
  "&",
  "|",
  "?",
  "{",
  "}",
  ";",
  "+",
  "-",
  "*",
  "%",
  "<",
  ">",
  "~",
  "^",
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/** Lists the module specifiers `source` imports (see the module comment for what counts). */
export function moduleImports(source: string): ModuleImports {
  const specifiers: string[] = [];
  const computed: number[] = [];
  /** Significant tokens so far: words, punctuation, and `"…"` for a string literal. */
  const tokens: string[] = [];
  /** Open `${` of template literals, so a `}` knows whether it resumes a template. */
  const templateDepths: number[] = [];
  let braceDepth = 0;
  let i = 0;

  const last = (back = 1) => tokens[tokens.length - back] ?? "";
  const lineAt = (at: number) => source.slice(0, at).split("\n").length;
  const isImportKeyword = (back: number) => last(back) === "import" && last(back + 1) !== ".";

  /** Skips a template literal body from `i` (just after the backtick or a closing `}`). */
  const skipTemplate = () => {
    while (i < source.length) {
      const c = source[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templateDepths.push(braceDepth++);
        return;
      } else i++;
    }
  };

  /** Reads a quoted string starting at `i`; returns its value. */
  const readString = (quote: string): string => {
    let value = "";
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === "\\") {
        value += source[i + 1];
        i += 2;
      } else value += source[i++];
    }
    i++;
    return value;
  };

  const skipRegex = () => {
    let inClass = false;
    i++;
    while (i < source.length) {
      const c = source[i++];
      if (c === "\\") i++;
      else if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) break;
    }
    while (/[a-z]/i.test(source[i] ?? "")) i++;
  };

  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "/" && BEFORE_REGEX.has(last())) {
      skipRegex();
      tokens.push("/…/");
    } else if (c === '"' || c === "'") {
      const start = i;
      const value = readString(c);
      const isStatic = last() === "from" || isImportKeyword(1);
      const isDynamic = last() === "(" && isImportKeyword(2);
      if (isStatic) specifiers.push(value);
      else if (isDynamic) {
        const rest = source.slice(i).match(/^\s*\)/);
        if (rest) specifiers.push(value);
        else computed.push(lineAt(start));
      }
      tokens.push('"…"');
    } else if (c === "`") {
      if (last() === "(" && isImportKeyword(2)) computed.push(lineAt(i));
      i++;
      skipTemplate();
      tokens.push("`…`");
    } else if (/[\w$]/.test(c)) {
      const word = source.slice(i).match(/^[\w$]+/)![0];
      i += word.length;
      tokens.push(word);
    } else {
      i++;
      if (c === "{") braceDepth++;
      else if (c === "}") {
        braceDepth--;
        if (templateDepths.at(-1) === braceDepth) {
          templateDepths.pop();
          skipTemplate();
          tokens.push("`…`");
          continue;
        }
      } else if (c === "(" && isImportKeyword(1)) {
        if (!/^\s*["'`]/.test(source.slice(i))) computed.push(lineAt(i));
      }
      tokens.push(c);
    }
  }
  return { specifiers, computed };
}
