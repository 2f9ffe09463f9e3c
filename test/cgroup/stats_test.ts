import { assert, assertEquals } from "../_assert.ts";
import { removeContainerCgroup, setupContainerCgroup } from "../../src/cgroup/container_cgroup.ts";
import { bytesSize } from "../../src/cli/_stats_columns.ts";
import { command as stats } from "../../src/cli/commands/stats.ts";
import { parseFlags } from "../../src/cli/flags.ts";
import { processStartTime } from "../../src/process/proc.ts";
import { createdState, type Resources } from "../../src/container/record.ts";
import { ContainerStore } from "../../src/container/store.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { newId, shortId } from "../../src/store/ids.ts";
import { StateRoot } from "../../src/store/paths.ts";
import { killAll, onV1, testParent } from "./_test_parent.ts";

const MiB = 1024 * 1024;

Deno.test("stats: sizes in go-units' binary BytesSize", () => {
  assertEquals(bytesSize(0), "0B");
  assertEquals(bytesSize(1023), "1023B");
  assertEquals(bytesSize(1536), "1.5KiB");
  assertEquals(bytesSize(32 * MiB), "32MiB");
  assertEquals(bytesSize(1.2346 * MiB), "1.235MiB");
  assertEquals(bytesSize(23.55 * 1024 * MiB), "23.55GiB");
});

/** Runs the stats command with `args`; resolves to what it printed. */
async function runStats(root: StateRoot, args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    const code = await stats.run(
      { root, kernel: {} as Kernel, debug: false, insecureRegistries: [] },
      parseFlags(args, stats.flags),
    );
    assertEquals(code, 0);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

function record(id: string, pid: number, resources: Resources) {
  return {
    id,
    created: new Date().toISOString(),
    config: {
      image: "busybox",
      imageId: "0".repeat(64),
      cmd: ["sh"],
      env: [],
      hostname: id.slice(0, 12),
      workingDir: "/",
      tty: false,
      openStdin: false,
      detach: true,
      autoRemove: false,
      binds: [],
      resources,
      networkMode: "none",
      ports: [],
    },
    state: pid === 0 ? createdState() : {
      ...createdState(),
      status: "running" as const,
      pid,
      pidStartTime: processStartTime(pid) ?? 0,
      startedAt: new Date().toISOString(),
    },
  };
}

Deno.test({
  name: "stats: a CPU spinner limited to --cpus 0.5 shows about 50%, its memory limit and PIDs",
  ignore: !onV1,
  async fn() {
    const { parent, cleanup } = testParent();
    const root = new StateRoot(Deno.makeTempDirSync({ prefix: "dgsh-test-stats-" }));
    const store = new ContainerStore(root);
    const id = newId();
    const resources: Resources = {
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memory: 64 * MiB,
      cgroupParent: parent,
    };
    const spinner = new Deno.Command("/bin/sh", {
      args: ["-c", "read go; while :; do :; done"],
      stdin: "piped",
    }).spawn();
    const cg = setupContainerCgroup(id, resources);
    try {
      cg.addProcess(spinner.pid);
      const w = spinner.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
      store.create(record(id, spinner.pid, resources), "spinner");
      store.create(record(newId(), 0, {}), "idle");

      const named = (await runStats(root, ["--no-stream", "spinner", "idle"])).split("\n");
      assertEquals(named[0].split(/\s{3,}/), [
        "CONTAINER ID",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET I/O",
        "BLOCK I/O",
        "PIDS",
      ]);
      const cells = named[1].split(/\s{3,}/);
      assertEquals(cells[0], shortId(id));
      assertEquals(cells[1], "spinner");
      const cpu = parseFloat(cells[2]);
      assert(cpu > 35 && cpu < 65, `CPU % of a spinner held to half a CPU: ${cells[2]}`);
      assert(cells[3].endsWith(" / 64MiB"), cells[3]);
      assertEquals(cells[7], "1");
      // A spinner does no I/O: its cgroup's counters, as Docker's "0B / 0B".
      assertEquals(cells[6], "0B / 0B");
      // Docker 20.10 for a container not running: zeros, BLOCK I/O "0B / 0B" too.
      assertEquals(named[2].split(/\s{3,}/).slice(1), [
        "idle",
        "0.00%",
        "0B / 0B",
        "0.00%",
        "0B / 0B",
        "0B / 0B",
        "0",
      ]);

      const running = (await runStats(root, ["--no-stream"])).split("\n");
      assertEquals(running.length, 2, "only the running container without names");
      assert(running[1].startsWith(shortId(id)));
    } finally {
      spinner.kill("SIGKILL");
      await spinner.status;
      killAll(cg.paths.find((p) => p.includes("/pids/")) ?? cg.paths[0]);
      await removeContainerCgroup(id, resources);
      cleanup();
      Deno.removeSync(root.root, { recursive: true });
    }
  },
});
