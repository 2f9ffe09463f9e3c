import { assertEquals } from "./_assert.ts";
import { HOST_PROGRAMS } from "../src/host_programs.ts";

const REPO = new URL("..", import.meta.url).pathname;

/**
 * Where a string literal names a host program being spawned:
 * `new Deno.Command("x"`, `run("x"` / `exec("x"` / `tryExec("x"` (the
 * engine's and the tests' plain spawn helpers, not `root.run(...)`, which runs
 * a dockergsh command), `box.inside("x"` / `spawnInside("x"` (a program in a
 * test's network namespace), `sh(["x"` (bench), and the program nsenter or
 * unshare is told to run.
 */
const SPAWNS = [
  /new Deno\.Command\("([^"]+)"/g,
  /(?<![.\w])(?:run|exec|tryExec)\("([^"]+)"/g,
  /\.(?:inside|spawnInside)\("([^"]+)"/g,
  /\bsh\(\["([^"]+)"/g,
  /"(?:nsenter|unshare)",\s*\{?\s*(?:args: )?\[\s*(?:"--net[^"]*"|`--net[^`]*`),\s*"([a-z][\w.-]*)"/g,
];

/** Peers the benchmarks install themselves or skip (see src/host_programs.ts). */
const BENCH_PEERS = new Set(["runc", "crun", "apt-get"]);

function* sourceFiles(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* sourceFiles(path);
    else if (e.name.endsWith(".ts")) yield path;
  }
}

/** program → the files that spawn it. */
function spawnedPrograms(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const top of ["src", "test", "bench"]) {
    for (const file of sourceFiles(`${REPO}${top}`)) {
      if (file.endsWith("host_programs_test.ts")) continue;
      const text = Deno.readTextFileSync(file);
      for (const re of SPAWNS) {
        for (const m of text.matchAll(re)) {
          const prog = m[1].split("/").at(-1)!;
          found.set(prog, [...(found.get(prog) ?? []), file.slice(REPO.length)]);
        }
      }
    }
  }
  return found;
}

Deno.test("every host program src/, test/ and bench/ spawn is in src/host_programs.ts", () => {
  const found = spawnedPrograms();
  // The scan itself must see the spawns it exists for, or it proves nothing.
  for (const known of ["ip", "iptables", "tar", "nsenter", "unshare", "script"]) {
    assertEquals(found.has(known), true, `the scan found no spawn of ${known}`);
  }
  const unlisted = [...found]
    .filter(([prog]) => !(prog in HOST_PROGRAMS) && !BENCH_PEERS.has(prog))
    .map(([prog, files]) => `${prog} (${[...new Set(files)].join(", ")})`);
  assertEquals(unlisted, [], "spawned but not listed in src/host_programs.ts");
});

Deno.test("the list make and .ci/run read is the list the engine imports", async () => {
  const out = await new Deno.Command(`${REPO}build/host_programs.sh`, { args: ["list"] }).output();
  assertEquals(out.code, 0);
  const fromShell = new TextDecoder().decode(out.stdout).trim().split("\n");
  const fromTs = Object.entries(HOST_PROGRAMS).map(([prog, [pkg]]) => `${prog} ${pkg}`);
  assertEquals(fromShell, fromTs);
});

Deno.test("host_programs.sh finds iptables with the PATH of Debian's plain `su` (no sbin directory)", async () => {
  const out = await new Deno.Command(`${REPO}build/host_programs.sh`, {
    args: ["missing"],
    env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
  }).output();
  assertEquals(out.code, 0);
  assertEquals(new TextDecoder().decode(out.stdout), "");
});
