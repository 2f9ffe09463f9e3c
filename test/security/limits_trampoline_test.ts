/**
 * The trampoline that sets the lowered address-space limits and execs the
 * command (src/security/limits_trampoline.ts), run as a program on the
 * host: the limits it sets, the argv and environment it passes on, and
 * its failures.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { trampolineImage } from "../../src/security/limits_trampoline.ts";
import type { Rlimit } from "../../src/oci/spec.ts";

/**
 * Runs the image of `limits` and `path` from a file, with `args` and `env`; its
 * argv[0] is the file's path (Deno.Command's), the error messages name `args[0]`.
 */
async function runImage(limits: Rlimit[], path: string, args: string[], env = {}) {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-trampoline-" });
  try {
    const file = `${dir}/trampoline`;
    Deno.writeFileSync(file, trampolineImage(limits, path, args[0]), { mode: 0o755 });
    const out = await new Deno.Command(file, {
      args: args.slice(1),
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const [stdout, stderr] = [dec.decode(out.stdout), dec.decode(out.stderr)];
    return { code: out.code, stdout, stderr, program: file };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** `name`'s soft and hard limit in a /proc/<pid>/limits text. */
function limitOf(limits: string, name: string): string[] {
  return limits.split("\n").find((l) => l.startsWith(name))!.split(/\s{2,}/).slice(1, 3);
}

Deno.test("limits trampoline: sets the limits, then execs the path with its own argv and env", async () => {
  const gib = 1024 * 1024 * 1024;
  // The shell's own argv, as the kernel has it: what the trampoline was exec'd with.
  const script =
    `printf '%s|%s\\n' "$(tr '\\0' ' ' </proc/$$/cmdline)" "$GREETING"; cat /proc/self/limits`;
  const r = await runImage(
    [
      { type: "RLIMIT_AS", soft: gib / 2, hard: gib },
      { type: "RLIMIT_STACK", soft: 4 << 20, hard: 8 << 20 },
    ],
    "/bin/sh",
    ["sh-as-named", "-c", script, "zero"],
    { GREETING: "hi there" },
  );
  assertEquals([r.code, r.stderr], [0, ""]);
  assertEquals(r.stdout.split("\n")[0], `${r.program} -c ${script} zero |hi there`);
  // Inherited by the command's own children (cat) as by the command.
  assertEquals(limitOf(r.stdout, "Max address space"), [`${gib / 2}`, `${gib}`]);
  assertEquals(limitOf(r.stdout, "Max stack size"), [`${4 << 20}`, `${8 << 20}`]);
});

Deno.test("limits trampoline: a failed exec or prlimit is one line on stderr and Docker's exit code", async () => {
  const as = [{ type: "RLIMIT_AS", soft: 1 << 30, hard: 1 << 30 }];
  const missing = await runImage(as, "/nonexistent/cmd", ["cmd"]);
  assertEquals([missing.code, missing.stderr], [127, 'dockergsh init: exec "cmd": errno 2\n']);
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-trampoline-" });
  try {
    // Executable, but no program: ENOEXEC (8).
    Deno.writeFileSync(`${dir}/text`, new TextEncoder().encode("not a program\n"), { mode: 0o755 });
    const noexec = await runImage(as, `${dir}/text`, ["text"]);
    assertEquals([noexec.code, noexec.stderr], [126, 'dockergsh init: exec "text": errno 8\n']);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  // A soft limit above the hard one: prlimit refuses it (EINVAL, 22), nothing is exec'd.
  const bad = await runImage([{ type: "RLIMIT_AS", soft: 2 << 30, hard: 1 << 30 }], "/bin/sh", [
    "sh",
    "-c",
    "echo ran",
  ]);
  assertEquals([bad.code, bad.stdout], [125, ""]);
  assertEquals(bad.stderr, "dockergsh init: cannot set the address-space limits: errno 22\n");
});
