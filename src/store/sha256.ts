/**
 * The sha256 of a text, as lowercase hex: the name of a cached file made
 * from that text.
 *
 * @module
 */

/** sha256 of `text` (UTF-8), 64 hex digits. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
