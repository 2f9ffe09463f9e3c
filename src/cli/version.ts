/**
 * `dockergsh --version`: the version, and which kind of executable is
 * running, so a user can tell what `make build` made.
 *
 * @module
 */

/** dockergsh's own version. */
export const VERSION = "0.1.0";

/**
 * How this program is running: `deno compile` output (one binary with Deno
 * inside), the self-extracting file (build/self_extracting.sh writes a
 * `BUILD` file beside the bundle it runs), or plain `deno run` of the source.
 */
function buildKind(): string {
  if (Deno.build.standalone) return "deno compile";
  try {
    return Deno.readTextFileSync(new URL("./BUILD", Deno.mainModule)).trim();
  } catch {
    return "deno run";
  }
}

/** The line `--version` prints, e.g. `dockergsh version 0.1.0 (self-extracting, deno 2.9.6)`. */
export function versionLine(): string {
  return `dockergsh version ${VERSION} (${buildKind()}, deno ${Deno.version.deno})`;
}
