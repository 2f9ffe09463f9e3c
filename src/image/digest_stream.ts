/**
 * sha256 of a stream as it passes, without holding it in memory.
 * `crypto.subtle.digest` only takes a whole buffer, so this uses
 * `node:crypto`'s incremental hash; it is imported only by the commands
 * that hash streams (import, commit, pull), never by the others.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Passes bytes through while hashing them; `hex()` is the sha256 once the stream is read. */
export function hashing(): { transform: TransformStream<Uint8Array, Uint8Array>; hex(): string } {
  const hash = createHash("sha256");
  return {
    transform: new TransformStream({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
    }),
    hex: () => hash.digest("hex"),
  };
}

/** The sha256 hex of everything `stream` yields. */
export async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}
