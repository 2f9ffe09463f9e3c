/**
 * Docker's confirmation prompt (`prune` without `-f`): the warning, then
 * `Are you sure you want to continue? [y/N] `, and one line of stdin; only
 * `y` or `Y` goes on, as docker-cli's PromptForConfirmation.
 *
 * @module
 */

/** Prints `warning` and the question; resolves to whether the answer was yes. */
export async function confirmed(warning: string): Promise<boolean> {
  const out = new TextEncoder().encode(`${warning}\nAre you sure you want to continue? [y/N] `);
  Deno.stdout.writeSync(out);
  const reader = Deno.stdin.readable.getReader();
  let line = "";
  const decoder = new TextDecoder();
  try {
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return line.split("\n")[0].toLowerCase() === "y";
}
