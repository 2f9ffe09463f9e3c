/**
 * What an archive holds, read by the host's tar (not by the engine's own
 * reader, which is what the tests check).
 *
 * @module
 */

import { assertEquals } from "./_assert.ts";

/**
 * `tar tvf` of `tar`, by name (a directory's without its trailing `/`):
 * the entry's type letter (`-`, `d`, `l`, `h`, `p`, …), then for a link
 * its target, as in "l /etc/passwd" or "h bin/busybox".
 */
export async function tarListing(tar: Uint8Array): Promise<Map<string, string>> {
  const child = new Deno.Command("tar", {
    args: ["-tvf", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(tar);
  await w.close();
  const out = await child.output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const entries = new Map<string, string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    if (!line) continue;
    const fields = line.split(/\s+/);
    const rest = fields.slice(5).join(" ");
    const [name, target] = rest.split(/ -> | link to /);
    entries.set(name.replace(/\/$/, ""), `${line[0]}${target ? ` ${target}` : ""}`);
  }
  return entries;
}
