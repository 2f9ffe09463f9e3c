import { assertEquals } from "./_assert.ts";
import { HOST_LIBRARIES, HOST_PROGRAMS } from "../src/host_programs.ts";

const REPO = new URL("..", import.meta.url).pathname;

/**
 * Where a string literal names a host program being spawned:
 * `new Deno.Command("x"`, `run("x"` / `exec("x"` / `tryExec("x"` (the
 * engine's and the tests' plain spawn helpers, not `root.run(...)`, which runs
 * a dockergsh command), `box.inside("x"` / `spawnInside("x"` (a program in a
 * test's network namespace), `sh(["x"` (bench), and the program nsenter or
 * unshare is told to run, `host("x"` and `mount(["x"` (test helpers that
 * spawn their first argument).
 */
const SPAWNS = [
  /new Deno\.Command\("([^"]+)"/g,
  /(?<![.\w])(?:run|exec|tryExec|host)\("([^"]+)"/g,
  /(?<![.\w])mount\(\["([^"]+)"/g,
  /\.(?:inside|spawnInside)\("([^"]+)"/g,
  /\bsh\(\["([^"]+)"/g,
  /"(?:nsenter|unshare)",\s*\{?\s*(?:args: )?\[\s*(?:"--net[^"]*"|`--net[^`]*`),\s*"([a-z][\w.-]*)"/g,
];

/** Peers the benchmarks install themselves or skip (see src/host_programs.ts). */
const BENCH_PEERS = new Set(["runc", "crun"]);

/**
 * Shell words that are not host programs: dash's and bash's builtins and
 * keywords, and make's own (`$(DENO)` and paths are not words at all).
 */
const SHELL_WORDS = new Set([
  ..."cd echo printf set export exit return read test true false trap kill umask wait".split(" "),
  ..."shift local command eval exec break continue unset readonly type alias pwd".split(" "),
  ..."if then else elif fi for while until do done case esac in function".split(" "),
]);

/** Command scripts outside TypeScript that make, CI and the tests run. */
const SCRIPTS = [".ci/run", "Makefile", "build", "test/fixtures"];

/**
 * The first word of each command in shell text `script` (after `|`, `;`,
 * `&&`, `||`, `$(`, `(`, a keyword, `!`), less builtins, assignments and
 * the script's own functions.
 */
function commandWords(script: string): string[] {
  const functions = new Set([...script.matchAll(/^\s*([\w-]+)\(\)/gm)].map((m) => m[1]));
  const words: string[] = [];
  const code = script
    .replace(/\$\(\([^)]*\)\)/g, "") // arithmetic
    .replace(/\$\{[^}]*\}/g, "x") // parameters (their defaults are mostly text)
    .replace(/'[^'\n]*'/g, "''") // literal text
    .replace(/"(?:[^"\\]|\\.)*"/g, (quoted) =>
      // text, but its command substitutions run
      (quoted.match(/\$\((?:[^()]|\([^()]*\))*\)/g) ?? []).join(" ; "));
  for (const raw of code.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "");
    const segments = line.split(
      /\|\||&&|[|;&`!({]|\$\(|\b(?:then|do|else|if|while|until|time)\b|^\s*[\w*?|.-]+\)/,
    );
    for (const seg of segments) {
      const word = seg.trim().replace(/^@/, "").replace(/^(?:\w+=\S*\s+)+/, "").split(/\s+/)[0];
      if (!/^[a-z][\w.+-]*$/.test(word) || SHELL_WORDS.has(word) || functions.has(word)) continue;
      words.push(word);
    }
  }
  return words;
}

function* scriptFiles(path: string): Generator<string> {
  if (Deno.statSync(path).isDirectory) {
    for (const e of Deno.readDirSync(path)) {
      if (e.name.endsWith(".sh")) yield `${path}/${e.name}`;
    }
  } else yield path;
}

/** program → the script files (.ci/run, the Makefile's recipes, build/ and fixture scripts) that run it. */
function scriptPrograms(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const top of SCRIPTS) {
    for (const file of scriptFiles(`${REPO}${top}`)) {
      let text = Deno.readTextFileSync(file);
      // In a Makefile only the recipes (tab-indented, `\` continued) are shell.
      if (file.endsWith("Makefile")) {
        text = text.replace(/\\\n/g, " ").split("\n").filter((l) => l.startsWith("\t")).join("\n")
          .replaceAll("$$", "$");
      }
      const shebang = /^#!\S*\/(\S+)(?:\s+(\S+))?/.exec(text);
      const interpreters = shebang
        ? [shebang[1], ...(shebang[1] === "env" ? [shebang[2]] : [])]
        : [];
      for (const prog of [...interpreters, ...commandWords(text)]) {
        found.set(prog, [...(found.get(prog) ?? []), file.slice(REPO.length)]);
      }
    }
  }
  return found;
}

/** Literal scripts a test runs on the host with `sh -c` (not those run inside a container). */
const HOST_SH_C = /Deno\.Command\("sh",\s*\{\s*args:\s*\["-c",\s*(?:"([^"]*)"|`([^`]*)`)/g;

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
      for (const m of text.matchAll(HOST_SH_C)) {
        for (const prog of commandWords((m[1] ?? m[2]).replace(/\$\{[^}]*\}/g, "x"))) {
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

Deno.test("every host program .ci/run, the Makefile and the build and fixture scripts run is in src/host_programs.ts", () => {
  const found = scriptPrograms();
  for (const known of ["apt-get", "npm", "tar", "sha256sum", "mktemp", "tail", "dpkg-deb"]) {
    assertEquals(found.has(known), true, `the scan found no run of ${known}`);
  }
  const unlisted = [...found]
    .filter(([prog]) => !(prog in HOST_PROGRAMS))
    .map(([prog, files]) => `${prog} (${[...new Set(files)].join(", ")})`);
  assertEquals(unlisted, [], "run but not listed in src/host_programs.ts");
});

Deno.test("the shell scan finds the first word of each command, not builtins or functions", () => {
  assertEquals(
    commandWords(
      "die() { x; }\nfoo=1 bar | baz && qux; $(quux -a) # sed\nif cond; then die; fi\n  list) ls ;;",
    ),
    ["x", "bar", "baz", "qux", "quux", "cond", "ls"],
  );
});

Deno.test("the list make and .ci/run read is the list the engine imports", async () => {
  const out = await new Deno.Command(`${REPO}build/host_programs.sh`, { args: ["list"] }).output();
  assertEquals(out.code, 0);
  const fromShell = new TextDecoder().decode(out.stdout).trim().split("\n");
  const fromTs = Object.entries({ ...HOST_PROGRAMS, ...HOST_LIBRARIES }).map(([prog, [pkg]]) =>
    `${prog} ${pkg}`
  );
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
