/**
 * `run -t` / `exec -t` on the user's side: the user's terminal in raw mode
 * (so Ctrl-C is a byte for the container's line discipline, not a signal to
 * dockergsh), bytes copied both ways with the pty master, window size passed
 * through at start and on SIGWINCH, the terminal restored at the end.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import type { OutputSink } from "./pipe_relay.ts";

/**
 * Relays between this process's stdio and the pty `master` until the
 * container side closes (read on the master fails with EIO once every slave
 * fd is closed), the container's output also to `sink` when given.
 * Restores the terminal before resolving.
 */
export async function relayTty(
  kernel: Kernel,
  master: number,
  stdin: boolean,
  sink?: OutputSink,
): Promise<void> {
  const terminal = Deno.stdin.isTerminal();
  const resize = () => {
    try {
      kernel.setWinSize(master, kernel.getWinSize(0));
    } catch {
      // stdin is not a terminal: keep the pty's default size.
    }
  };
  if (terminal) {
    resize();
    Deno.addSignalListener("SIGWINCH", resize);
    if (stdin) Deno.stdin.setRaw(true);
  }
  const reader = stdin ? Deno.stdin.readable.getReader() : undefined;
  const pumpIn = (async () => {
    if (!reader) return;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let off = 0;
        while (off < value.length) off += kernel.write(master, value.subarray(off));
      }
    } catch {
      // The container went away while we were writing to it.
    }
  })();
  const buf = new Uint8Array(32 * 1024);
  try {
    for (;;) {
      const n = await kernel.readAsync(master, buf);
      if (n <= 0) break;
      let off = 0;
      sink?.("stdout", buf.slice(0, n)); // a terminal has one stream, as Docker logs it
      while (off < n) off += await Deno.stdout.write(buf.subarray(off, n));
    }
  } catch {
    // EIO: the container closed its side of the terminal.
  } finally {
    if (terminal) {
      Deno.removeSignalListener("SIGWINCH", resize);
      if (stdin) Deno.stdin.setRaw(false);
    }
    await reader?.cancel().catch(() => {});
    void pumpIn;
  }
}
