/**
 * `--format` for list commands (`ps`, `stats`, `network ls`), as Docker's
 * formatter does it: a Go template per row, or with a `table` prefix the
 * same template rendered once with each field's header for a header row
 * and the cells (separated by `\t` in the template) aligned as Docker's
 * tabwriter does. A field the row type lacks is Docker's execution error.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { compileTemplate, TemplateError, type TemplateOptions } from "./_go_template.ts";
import { formatTable } from "./_table.ts";

/** How one list command's rows look to templates. */
export interface RowType {
  /** Field → header, for `table` formats (a function for a method field). */
  headers: Record<string, unknown>;
  /** Go's name of Docker's formatter type, for its error words (`*formatter.ContainerContext`). */
  structType: string;
  /** How Docker's CLI words an execution error of this command's templates. */
  execPrefix: "failed to execute template" | "template parsing error";
  /** How it words a template that does not parse (ps: "failed to parse template"). */
  parsePrefix: "failed to parse template" | "template parsing error";
}

/**
 * Compiles `format`; one that does not parse is a UserError in the words
 * `prefix` and with the exit code Docker's CLI gives that command (1 for
 * the list commands, 64 for inspect, info, version and events).
 */
export function compileFormat(
  format: string,
  opts: TemplateOptions,
  prefix: string,
  exitCode: number,
): (data: unknown) => string {
  try {
    return compileTemplate(format, opts);
  } catch (err) {
    if (err instanceof TemplateError) throw new UserError(`${prefix}: ${err.message}`, exitCode);
    throw err;
  }
}

function compile(format: string, type: RowType): (row: unknown) => string {
  const render = compileFormat(
    format,
    { missingKeyError: true, structType: type.structType },
    type.parsePrefix,
    1,
  );
  return (row) => {
    try {
      return render(row);
    } catch (err) {
      if (err instanceof TemplateError) {
        throw new UserError(`${type.execPrefix}: ${err.message}`, 1);
      }
      throw err;
    }
  };
}

/** The lines `format` makes of `rows` (Docker's CLI turns a typed `\t` or `\n` into the character). */
export function formatRows(format: string, rows: readonly unknown[], type: RowType): string[] {
  const table = /^table(\s|$)/.exec(format);
  const body = (table ? format.slice(table[0].length) : format).replace(/^ +| +$/g, "")
    .replaceAll("\\t", "\t").replaceAll("\\n", "\n");
  const render = compile(body, type);
  // Rendered with the headers even when not shown: a bad field fails with no rows too, as in Docker.
  const header = render(type.headers).split("\t");
  if (!table) return rows.map(render);
  const cells = rows.map((r) => render(r).split("\t"));
  return formatTable(header, cells).split("\n");
}
