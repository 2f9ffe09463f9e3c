/**
 * Docker's table output: columns aligned like its tabwriter (minimum width
 * 10, three spaces of padding), the last column unpadded.
 *
 * @module
 */

const MIN_WIDTH = 10;
const PADDING = 3;

/**
 * Formats `headers` and `rows` as aligned text, without a trailing newline.
 * `minWidth`: the tabwriter's minimum cell width (`top` uses 20).
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  minWidth = MIN_WIDTH,
): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, col) =>
    Math.max(minWidth, ...all.map((row) => [...(row[col] ?? "")].length + PADDING))
  );
  return all.map((row) =>
    row.map((cell, col) =>
      col === row.length - 1 ? cell : cell.padEnd(widths[col] + cell.length - [...cell].length)
    )
      .join("")
  ).join("\n");
}
