/**
 * The shape the developers' guide asks of the source tree, read from the
 * source files themselves: no import cycle between the folders of src/ (a
 * folder is a concern; src/cli may import anything, nothing may import it
 * back), ffi/ imports nothing of src/, and the container init path loads no
 * CLI module and no package.
 */

import { assert, assertEquals } from "./_assert.ts";
import { moduleImports } from "./_module_imports.ts";

const REPO = new URL("..", import.meta.url).pathname;

/** The module the engine re-executed as `dockergsh init` loads (main.ts). */
const INIT = "src/process/init.ts";

/** One import: the file that writes it and the repository path it resolves to. */
interface ImportEdge {
  from: string;
  to: string;
}

/** Every .ts file under `dir` (repository-relative), sorted. */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(REPO + dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

/** The concern a source file belongs to: `ffi`, `src` (top-level files) or `src/<folder>`. */
function folderOf(path: string): string {
  const parts = path.split("/");
  return parts[0] === "src" && parts.length > 2 ? `src/${parts[1]}` : parts[0];
}

/** Resolves a relative specifier written in `from` to a repository path. */
function resolve(from: string, specifier: string): string {
  return new URL(specifier, `file:///${from}`).pathname.slice(1);
}

/**
 * Every file's imports: relative ones resolved to repository paths (and
 * required to be source files of src/ or ffi/), packages (`npm:`, bare
 * names from deno.json) kept as written; `node:` built-ins are the runtime's.
 */
function importGraph(): { files: string[]; imports: Map<string, string[]> } {
  const files = [...sourceFiles("ffi"), ...sourceFiles("src")];
  const known = new Set(files);
  const imports = new Map<string, string[]>();
  const problems: string[] = [];
  for (const file of files) {
    const found = moduleImports(Deno.readTextFileSync(REPO + file));
    for (const line of found.computed) {
      problems.push(`${file}:${line}: import() of a computed specifier cannot be checked`);
    }
    const targets: string[] = [];
    for (const specifier of found.specifiers) {
      if (specifier.startsWith("node:")) continue;
      if (!specifier.startsWith(".")) {
        targets.push(specifier);
        continue;
      }
      const target = resolve(file, specifier);
      if (known.has(target)) targets.push(target);
      else problems.push(`${file}: imports ${specifier}, not a source file of src/ or ffi/`);
    }
    imports.set(file, targets);
  }
  assertEquals(problems, []);
  return { files, imports };
}

/** Folder → folder it imports → the file-level imports that make the edge. */
type FolderGraph = Map<string, Map<string, ImportEdge[]>>;

function folderGraph(imports: Map<string, string[]>): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const [from, targets] of imports) {
    const edges = graph.get(folderOf(from)) ?? new Map<string, ImportEdge[]>();
    graph.set(folderOf(from), edges);
    for (const to of targets) {
      if (!to.includes("/") || folderOf(to) === folderOf(from)) continue;
      edges.set(folderOf(to), [...edges.get(folderOf(to)) ?? [], { from, to }]);
    }
  }
  return graph;
}

/** The strongly connected components of `graph` with more than one folder (Tarjan). */
function cyclicComponents(graph: FolderGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** A shortest path from `start` to `goal` inside `members`, both ends included. */
function shortestPath(graph: FolderGraph, members: Set<string>, start: string, goal: string) {
  const cameFrom = new Map<string, string>([[start, ""]]);
  const queue = [start];
  while (queue.length > 0 && !cameFrom.has(goal)) {
    const node = queue.shift()!;
    for (const next of graph.get(node)!.keys()) {
      if (members.has(next) && !cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  const path = [goal];
  while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
  return path;
}

/** How many of the imports that make one folder edge a failure lists. */
const LISTED_IMPORTS = 5;

/** The lines naming the imports of one folder edge, the first few of them. */
function listed(edges: ImportEdge[]): string[] {
  const lines = edges.slice(0, LISTED_IMPORTS).map((edge) => `    ${edge.from} imports ${edge.to}`);
  if (edges.length > LISTED_IMPORTS) lines.push(`    … and ${edges.length - LISTED_IMPORTS} more`);
  return lines;
}

/**
 * The cycles of a strongly connected component, one shortest cycle through
 * each of its folder edges, each step with every import that makes it.
 */
function describeCycles(graph: FolderGraph, component: string[]): string[] {
  const members = new Set(component);
  const cycles = new Map<string, string>();
  for (const from of component) {
    for (const to of graph.get(from)!.keys()) {
      if (!members.has(to)) continue;
      const cycle = [from, ...shortestPath(graph, members, to, from)];
      const first = cycle.indexOf([...cycle].sort()[0]);
      const rotated = [...cycle.slice(first, -1), ...cycle.slice(0, first), cycle[first]];
      const steps = rotated.slice(1).map((next, n) =>
        [
          `  ${rotated[n]} → ${next}:`,
          ...listed(graph.get(rotated[n])!.get(next)!),
        ].join("\n")
      );
      cycles.set(rotated.join(" → "), `cycle ${rotated.join(" → ")}\n${steps.join("\n")}`);
    }
  }
  return [...cycles.values()];
}

Deno.test("no import cycle between the folders of src/ and ffi/", () => {
  const graph = folderGraph(importGraph().imports);
  const cycles = cyclicComponents(graph).flatMap((component) => describeCycles(graph, component));
  assert(cycles.length === 0, `folder-level import cycles:\n${cycles.join("\n")}`);
});

Deno.test("ffi/ imports nothing of src/", () => {
  const { imports } = importGraph();
  const intoSrc = [...imports].flatMap(([from, targets]) =>
    folderOf(from) === "ffi"
      ? targets.filter((to) => to.startsWith("src/")).map((to) => `${from} imports ${to}`)
      : []
  );
  assertEquals(intoSrc, []);
});

Deno.test("the container init path imports no CLI module and no package", () => {
  const { imports } = importGraph();
  const reachedFrom = new Map<string, string>([[INIT, ""]]);
  const queue = [INIT];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const to of imports.get(file) ?? []) {
      if (reachedFrom.has(to)) continue;
      reachedFrom.set(to, file);
      if (to.includes("/")) queue.push(to);
    }
  }
  const chain = (file: string): string =>
    reachedFrom.get(file) ? `${chain(reachedFrom.get(file)!)} → ${file}` : file;
  const forbidden = [...reachedFrom.keys()]
    .filter((file) => file.startsWith("src/cli/") || !file.includes("/"))
    .map(chain);
  assert(reachedFrom.size > 10, `only ${reachedFrom.size} modules reached from ${INIT}`);
  assertEquals(forbidden, []);
});

Deno.test("moduleImports finds imports over several lines and in every form", () => {
  const source = [
    'import { a,\n  b,\n} from "./a.ts";',
    'import type { T } from "../t.ts";',
    'export * from "./e.ts";',
    'export { x } from "./x.ts";',
    'import "./side.ts";',
    'const m = await import("./dynamic.ts");',
    'type F = import("./type.ts").F;',
    "const url = import.meta.url;",
  ].join("\n");
  assertEquals(moduleImports(source), {
    specifiers: [
      "./a.ts",
      "../t.ts",
      "./e.ts",
      "./x.ts",
      "./side.ts",
      "./dynamic.ts",
      "./type.ts",
    ],
    computed: [],
  });
});

Deno.test("moduleImports ignores comments, strings, templates and regular expressions", () => {
  const source = [
    '// import { a } from "./comment.ts";',
    '/* export * from "./block.ts"; */',
    'const s = "import x from \\"./string.ts\\"";',
    'const t = `from ${\'"./nested.ts"\'} import("./template.ts")`;',
    'const r = /from "\\.\\/regex.ts"/;',
    'const o = { from: "./key.ts" };',
    'obj.import("./method.ts");',
    'import { real } from "./real.ts";',
  ].join("\n");
  assertEquals(moduleImports(source), { specifiers: ["./real.ts"], computed: [] });
});

Deno.test("moduleImports reports a dynamic import of a computed specifier", () => {
  const source = 'const a = await import(name);\nconst b = await import("./" + name);\n' +
    "const c = await import(`./${name}.ts`);";
  assertEquals(moduleImports(source), { specifiers: [], computed: [1, 2, 3] });
});
