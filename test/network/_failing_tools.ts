/**
 * Host tools that fail for real, for the dockergsh process under test: a
 * directory that becomes its whole PATH (src/network/_exec.ts runs programs
 * by name, so `Deno.Command` looks them up there), holding a link to each
 * real program except those replaced by a script or left out.
 *
 * @module
 */

/** Programs the engine's network steps run. */
const TOOLS = ["ip", "iptables", "iptables-restore", "iptables-save", "nsenter"];

/** Where `program` is on this test run's PATH. */
export function realPath(program: string): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const path = `${dir}/${program}`;
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not in this directory */ }
  }
  throw new Error(`${program} is not installed`);
}

/** A PATH directory with the tools; `replace` maps a tool to a shell script body, or to null for absent. */
export class FailingTools {
  private constructor(readonly dir: string) {}

  /**
   * A new directory (under /tmp, `dgsh-tools-*`) with a link to every tool
   * of TOOLS but those in `replace`: a string is the body of a `/bin/sh`
   * script put in the tool's place (`${0%/*}` in it is this directory), null
   * leaves the tool out.
   */
  static make(replace: Record<string, string | null>): FailingTools {
    const dir = Deno.makeTempDirSync({ prefix: "dgsh-tools-" });
    for (const tool of TOOLS) {
      const script = replace[tool];
      if (script === null) continue;
      if (script === undefined) {
        // A link named like the tool: iptables' multi-call binary dispatches on argv[0].
        Deno.symlinkSync(realPath(tool), `${dir}/${tool}`);
      } else {
        Deno.writeTextFileSync(`${dir}/${tool}`, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      }
    }
    return new FailingTools(dir);
  }

  /** The environment that makes the tools the only programs found. */
  get env(): Record<string, string> {
    return { PATH: this.dir };
  }

  /** Removes the directory and whatever the scripts wrote into it. */
  remove(): void {
    Deno.removeSync(this.dir, { recursive: true });
  }
}
