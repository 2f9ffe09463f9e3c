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

/**
 * Copies `child`'s stdout and stderr (and, when it was spawned with a stdin
 * pipe, this process's stdin into it) until the container closes them.
 * Resolves once all its output is copied; stdin is not waited for.
 */
export async function relayPipes(child: Deno.ChildProcess, stdin: boolean): Promise<void> {
  if (stdin) Deno.stdin.readable.pipeTo(child.stdin).catch(() => {});
  await Promise.all([
    child.stdout.pipeTo(Deno.stdout.writable, { preventClose: true }),
    child.stderr.pipeTo(Deno.stderr.writable, { preventClose: true }),
  ]);
}
