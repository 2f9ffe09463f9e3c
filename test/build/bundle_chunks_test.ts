/**
 * What loading a command's code reads of the bundle `make build` makes
 * (`deno bundle --code-splitting`, then build/lazy_imports.sh): a chunk's
 * static imports are read and parsed with it, a dynamic import only when
 * it is reached. Every chunk read costs start-up time (README,
 * "Performance"), so the code of `run`, of the container init and of the
 * CLI's kernel must not statically reach what a plain `run --rm --net none`
 * never uses: the network stack, health probes and exec, stop, volumes,
 * the log reader, the tty relay, the trace of kernel calls (only under
 * --debug).
 */
import { assert, assertEquals } from "../_assert.ts";
import { bundleAsMakeBuild } from "./_bundle.ts";

/** One chunk of the bundle: the source modules it holds and the chunks it imports statically. */
interface Chunk {
  modules: string[];
  imports: string[];
}

/** Bundles main.ts as `make build` does into `dir`; its chunks by file name. */
async function bundleChunks(dir: string): Promise<Map<string, Chunk>> {
  await bundleAsMakeBuild(dir);
  const chunks = new Map<string, Chunk>();
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".js")) continue;
    const text = Deno.readTextFileSync(`${dir}/${e.name}`);
    chunks.set(e.name, {
      // esbuild names each module it inlines in a comment line of its own.
      modules: [...text.matchAll(/^\/\/ ((?:src|ffi)\/\S+\.ts)$/gm)].map((m) => m[1]),
      imports: [...text.matchAll(/^(?:import|export)\b[^;]*?"\.\/([^"]+\.js)";/gm)].map((m) =>
        m[1]
      ),
    });
  }
  return chunks;
}

/** The modules read when the chunk holding `module` is imported: it and its static imports. */
function loadedWith(chunks: Map<string, Chunk>, module: string): Set<string> {
  const entry = [...chunks].find(([, c]) => c.modules.includes(module));
  assert(entry, `no chunk holds ${module}`);
  const seen = new Set([entry[0]]);
  const queue = [entry[0]];
  while (queue.length > 0) {
    for (const to of chunks.get(queue.shift()!)?.imports ?? []) {
      assert(chunks.has(to), `a chunk imports ${to}, which the bundle does not have`);
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return new Set([...seen].flatMap((name) => chunks.get(name)!.modules));
}

Deno.test("bundle: run, the container init and the CLI's kernel read only the chunks a plain run uses", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-chunks-" });
  try {
    const chunks = await bundleChunks(dir);
    const run = loadedWith(chunks, "src/cli/_run_container.ts");
    // What a foreground run does use is there: the test reads the chunks right.
    for (
      const needed of ["src/container/container_create.ts", "src/container/container_start.ts"]
    ) {
      assert(run.has(needed), `run's code does not load ${needed}`);
    }
    const unused = [...run].filter((m) =>
      (m.startsWith("src/network/") &&
        !["src/network/cidr.ts", "src/network/_name.ts"].includes(m)) ||
      [
        "src/volume/store.ts",
        "src/volume/copy_up.ts",
        "src/container/container_network.ts",
        "src/container/container_hosts.ts",
        "src/container/container_health.ts",
        "src/container/container_exec.ts",
        "src/container/container_stop.ts",
        "src/container/container_logs.ts",
        "src/container/volume_mounts.ts",
        "src/process/tty_relay.ts",
        "src/host_programs.ts",
        "src/kernel_trace.ts",
      ].includes(m)
    );
    assertEquals(unused, []);
    for (const module of ["src/process/init.ts", "src/cli/_cli_kernel.ts"]) {
      const loaded = loadedWith(chunks, module);
      assert(loaded.has("ffi/linux.ts"), `${module}'s code does not load the kernel`);
      assert(
        !loaded.has("src/kernel_trace.ts"),
        `${module}'s code loads the trace of kernel calls`,
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("bundle: a plain ps reads neither the kernel, the help layout, the version, the store's writes nor what only its flags use", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-chunks-" });
  try {
    const chunks = await bundleChunks(dir);
    const ps = new Set([
      ...loadedWith(chunks, "src/cli/main.ts"),
      ...loadedWith(chunks, "src/cli/commands/ps.ts"),
    ]);
    assert(ps.has("src/container/record_reader.ts"), "ps's code does not load the record reader");
    const unused = [...ps].filter((m) =>
      m.startsWith("ffi/") ||
      [
        "src/cli/_help.ts",
        "src/cli/version.ts",
        "src/cli/_cli_kernel.ts",
        "src/container/store.ts",
        "src/store/lock.ts",
        "src/image/store.ts",
        "src/container/container_size.ts",
        "src/cli/_format_output.ts",
        "src/cli/_go_template.ts",
      ].includes(m)
    );
    assertEquals(unused, []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
