/**
 * Where a pull's or push's progress goes: plain lines when the stream is
 * not a terminal (src/registry/progress.ts `plainLine`), else drawn as
 * Docker's CLI draws them (its jsonmessage stream display): one line per
 * layer, redrawn in place (cursor up, clear line, write, cursor down), with
 * `[=====>    ]  1.2MB/3.4MB 5s` while bytes move (the bar only on a
 * terminal wider than 110 columns, the time left wider than 50). A line
 * that is not a layer's ends the set of lines being redrawn, as Docker's.
 *
 * @module
 */

import type { ProgressEvent, ProgressSink } from "../registry/progress.ts";
import { plainLine } from "../registry/progress.ts";
import { humanSize } from "./_humanize.ts";

const ESC = "\x1b[";

/** Go's time.Duration String() of whole seconds: `5s`, `1m5s`, `1h2m3s`. */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** Docker's progress text of `e` for a terminal `width` columns wide. */
export function progressText(e: ProgressEvent, width: number, now = Date.now()): string {
  const current = e.current ?? 0;
  const total = e.total ?? 0;
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return humanSize(current, 4).padStart(8);
  const percentage = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${"=".repeat(percentage)}>${" ".repeat(50 - percentage)}] ` : "";
  const numbers = current > total
    ? humanSize(current, 4).padStart(8)
    : `${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}`;
  let left = "";
  if (current > 0 && e.start !== undefined && percentage < 50 && width > 50) {
    const perByte = (now - e.start) / current;
    left = ` ${goDuration(Math.floor(((total - current) * perByte) / 1000))}`;
  }
  return bar + numbers + left;
}

/** Draws events on a terminal (see the module comment). */
class TerminalProgress {
  private lines = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly out: typeof Deno.stdout | typeof Deno.stderr) {}

  private write(text: string): void {
    const bytes = this.encoder.encode(text);
    let off = 0;
    while (off < bytes.length) off += this.out.writeSync(bytes.subarray(off));
  }

  show(e: ProgressEvent): void {
    if (!(e.layer && e.id !== undefined)) {
      this.lines = new Map();
      this.write(`${plainLine({ ...e, current: undefined }) ?? ""}\n`);
      return;
    }
    let line = this.lines.get(e.id);
    if (line === undefined) {
      line = this.lines.size;
      this.lines.set(e.id, line);
      this.write("\n");
    }
    const up = this.lines.size - line;
    const width = this.out.isTerminal() ? Deno.consoleSize().columns : 200;
    const bar = progressText(e, width);
    this.write(`${ESC}${up}A\r${ESC}2K${e.id}: ${e.status}${bar ? ` ${bar}` : ""}\r${ESC}${up}B`);
  }
}

/** The sink for a command's progress on `stream`: nothing when `quiet`. */
export function progressSink(stream: "stdout" | "stderr", quiet = false): ProgressSink {
  if (quiet) return () => {};
  const out = stream === "stdout" ? Deno.stdout : Deno.stderr;
  if (out.isTerminal()) {
    const terminal = new TerminalProgress(out);
    return (e) => terminal.show(e);
  }
  const print = stream === "stdout" ? console.log : console.error;
  return (e) => {
    const line = plainLine(e);
    if (line !== undefined) print(line);
  };
}
