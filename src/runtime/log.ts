/**
 * `--log FILE` with `--log-format text|json`: the runtime's messages
 * appended one per line. containerd's shim reads the last line whose
 * `level` is `error` back as the reason an operation failed:
 * `{"level":"error","msg":"…","time":"<RFC 3339>"}`.
 *
 * @module
 */

/** The two formats runc writes. */
export type LogFormat = "text" | "json";

/** Where and how the runtime logs. */
export class RuntimeLog {
  constructor(readonly path: string | undefined, readonly format: LogFormat) {}

  /** Appends one line of `level` (best effort: a log that cannot be written must not hide the error). */
  write(level: "error" | "warning" | "info" | "debug", msg: string): void {
    if (this.path === undefined) return;
    const time = new Date().toISOString();
    const line = this.format === "json"
      ? JSON.stringify({ level, msg, time })
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
    try {
      Deno.writeTextFileSync(this.path, line + "\n", { append: true, create: true, mode: 0o600 });
    } catch {
      // Nothing more to do: the message is on stderr too.
    }
  }
}
