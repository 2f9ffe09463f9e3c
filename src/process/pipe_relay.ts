/**
 * `run` / `exec` without `-t`, on the user's side: the container's stdio
 * are pipes, and dockergsh copies between them and its own stdin, stdout
 * and stderr, as Docker's CLI does. The container never holds the user's
 * terminal or the files the user redirected to: with them, it could read
 * what the user types, change the terminal's settings, or push input into
 * the shell behind it (TIOCSTI).
 *
 * @module
 */

/** Where relayed output is also kept (the container's log), chunk by chunk as it is read. */
export type OutputSink = (stream: "stdout" | "stderr", bytes: Uint8Array) => void;

/**
 * Copies `stream` to `out` chunk by chunk, each chunk first to `sink` as
 * `name`. A plain read loop, not pipeTo through a TransformStream: the
 * streams' machinery took ~1.5 ms to pass on the end of a short run's
 * output (measured), on the path between the container's exit and the
 * CLI's. A failed write ends the loop, which cancels `stream`.
 */
async function copyTo(
  stream: ReadableStream<Uint8Array>,
  out: typeof Deno.stdout,
  name: "stdout" | "stderr",
  sink?: OutputSink,
): Promise<void> {
  for await (const chunk of stream) {
    sink?.(name, chunk);
    for (let off = 0; off < chunk.length;) off += await out.write(chunk.subarray(off));
  }
}

/**
 * Reads `child`'s stdout and stderr to their end, each chunk to `sink`
 * only (a health probe's output, kept by the engine, shown to no terminal).
 */
export async function drainPipes(child: Deno.ChildProcess, sink: OutputSink): Promise<void> {
  const drain = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    for await (const chunk of stream) sink(name, chunk);
  };
  await Promise.all([drain(child.stdout, "stdout"), drain(child.stderr, "stderr")]);
}

/**
 * Copies `child`'s stdout and stderr (and, when it was spawned with a stdin
 * pipe, this process's stdin into it) until the container closes them,
 * each chunk of output also to `sink` when given. Resolves once all its
 * output is copied; stdin is not waited for.
 */
export async function relayPipes(
  child: Deno.ChildProcess,
  stdin: boolean,
  sink?: OutputSink,
): Promise<void> {
  if (stdin) Deno.stdin.readable.pipeTo(child.stdin).catch(() => {});
  await Promise.all([
    copyTo(child.stdout, Deno.stdout, "stdout", sink),
    copyTo(child.stderr, Deno.stderr, "stderr", sink),
  ]);
}
