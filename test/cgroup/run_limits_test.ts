import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { TEST_CGROUP_PARENT, withRoot } from "../_harness.ts";

/** Container `id`'s directory in the v1 hierarchy of `controller`. */
function cgroupDir(controller: string, id: string): string {
  return `/sys/fs/cgroup/${controller}${TEST_CGROUP_PARENT}/${id}`;
}

/** cpuacct.usage (ns) of container `id`. */
function cpuUsage(id: string): number {
  return Number(Deno.readTextFileSync(`${cgroupDir("cpuacct", id)}/cpuacct.usage`));
}

// dd with a 64 MiB block allocates and fills a 64 MiB buffer: all of it is charged to the cgroup.
const HOG = ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"];

Deno.test("run -m: 32m is OOM-killed (137, OOMKilled) where 128m succeeds", async () => {
  await withRoot(async (root) => {
    const small = await root.run("run", "--name", "small", "-m", "32m", "busybox", ...HOG);
    assertEquals(small.code, 137, small.stderr);
    const state = await root.run(
      "inspect",
      "--format",
      "{{.State.OOMKilled}} {{.State.ExitCode}}",
      "small",
    );
    assertEquals(state.stdout.trim(), "true 137");
    const id = root.store().resolve("small").id;
    assert(!exists(cgroupDir("memory", id)), "the cgroup goes when the container exits");

    const big = await root.run("run", "--rm", "-m", "128m", "busybox", ...HOG);
    assertEquals(big.code, 0, big.stderr);
  });
});

Deno.test("run --pids-limit 10: a fork loop is capped and the container survives", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "-d",
      "--name",
      "forks",
      "--pids-limit",
      "10",
      "busybox",
      "sleep",
      "60",
    );
    assertEquals(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const pids = cgroupDir("pids", id);
    assertEquals(Deno.readTextFileSync(`${pids}/pids.max`).trim(), "10");
    // busybox sh gives up at the first fork the kernel refuses.
    const loop = await root.run(
      "exec",
      "forks",
      "sh",
      "-c",
      "for i in $(seq 30); do sleep 30 >/dev/null 2>&1 & done",
    );
    assertEquals(loop.code, 2, loop.stderr);
    assertStringIncludes(loop.stderr, "can't fork");
    const refused = Number(/max (\d+)/.exec(Deno.readTextFileSync(`${pids}/pids.events`))![1]);
    assert(refused > 0, "the kernel refused forks");
    assert(Number(Deno.readTextFileSync(`${pids}/pids.current`)) <= 10);
    const running = await root.run("ps", "-q", "--no-trunc");
    assertStringIncludes(running.stdout, id);
  });
});

Deno.test("run --cpuset-cpus 0: PID 1 may only run on CPU 0", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "--rm",
      "--cpuset-cpus",
      "0",
      "busybox",
      "grep",
      "Cpus_allowed_list",
      "/proc/1/status",
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.split(":")[1].trim(), "0");
  });
});

Deno.test("run --cpus 0.5: quota 50000/100000, and a busy loop gets about half a CPU", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "-d",
      "--cpus",
      "0.5",
      "busybox",
      "sh",
      "-c",
      "while :; do :; done",
    );
    assertEquals(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assertEquals(Deno.readTextFileSync(`${cgroupDir("cpu", id)}/cpu.cfs_quota_us`).trim(), "50000");
    assertEquals(
      Deno.readTextFileSync(`${cgroupDir("cpu", id)}/cpu.cfs_period_us`).trim(),
      "100000",
    );
    const before = cpuUsage(id);
    const t0 = performance.now();
    await new Promise((res) => setTimeout(res, 2000));
    const share = (cpuUsage(id) - before) / 1e6 / (performance.now() - t0);
    assert(share > 0.3 && share < 0.7, `CPU share ${share.toFixed(2)}, expected about 0.5`);
  });
});

Deno.test("exec joins the container's cgroup; rm -f removes it", async () => {
  await withRoot(async (root) => {
    const r = await root.run("run", "-d", "--name", "cg", "-m", "64m", "busybox", "sleep", "30");
    assertEquals(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    // Inside, its own cgroup namespace: the container's cgroup is the root it sees.
    const cg = await root.run("exec", "cg", "cat", "/proc/self/cgroup");
    assertStringIncludes(cg.stdout, "memory:/\n");
    // From the host: the exec'd process is in the container's cgroup, beside PID 1.
    assertEquals((await root.run("exec", "-d", "cg", "sleep", "30")).code, 0);
    const procs = () =>
      Deno.readTextFileSync(`${cgroupDir("memory", id)}/cgroup.procs`).trim().split("\n");
    // The exec init leaves once the command runs (it stays outside the container).
    for (let i = 0; i < 100 && procs().length !== 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(procs().length, 2, procs().join(" "));
    assertEquals(
      Deno.readTextFileSync(`${cgroupDir("memory", id)}/memory.limit_in_bytes`).trim(),
      String(64 * 1024 * 1024),
    );
    assertEquals((await root.run("rm", "-f", "cg")).code, 0);
    for (const ctl of ["memory", "cpu", "cpuacct", "cpuset", "pids"]) {
      assert(!exists(cgroupDir(ctl, id)), `${ctl} cgroup left behind`);
    }
  });
});

Deno.test("bad limits: one line, exit 125, no container and no cgroup", async () => {
  await withRoot(async (root) => {
    // Only cgroups this test would have made count: an earlier test's monitor may still be
    // releasing one of its own.
    const parent = `/sys/fs/cgroup/memory${TEST_CGROUP_PARENT}`;
    const dirs = () =>
      exists(parent)
        ? [...Deno.readDirSync(parent)].filter((e) => e.isDirectory).map((e) => e.name)
        : [];
    const before = new Set(dirs());
    const cases: [string[], string][] = [
      [["-m", "10x"], "invalid"],
      [["-m", "1m"], "Minimum memory limit"],
      [["--cpus", "-1"], "CPUs"],
      [["--cpuset-cpus", "99"], "99"],
      [["--pids-limit", "ten"], "pids-limit"],
      [["--cgroup-parent", "../escape"], "cgroup-parent"],
    ];
    for (const [flags, why] of cases) {
      const r = await root.run("run", "--rm", ...flags, "busybox", "true");
      assertEquals(r.code, 125, `${flags.join(" ")}: ${r.stderr}`);
      assertStringIncludes(r.stderr, why);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assertEquals(root.store().ids(), []);
    assertEquals(dirs().filter((d) => !before.has(d)), []);
  });
});

Deno.test("run --memory-reservation, --memory-swappiness, --oom-kill-disable: the v1 memory files, and inspect", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "-d",
      "--name",
      "soft",
      "-m",
      "64m",
      "--memory-reservation",
      "32m",
      "--memory-swappiness",
      "17",
      "--oom-kill-disable",
      "busybox",
      "sleep",
      "60",
    );
    assertEquals(r.code, 0, r.stderr);
    const memory = cgroupDir("memory", r.stdout.trim());
    const read = (file: string) => Deno.readTextFileSync(`${memory}/${file}`).trim();
    assertEquals(read("memory.soft_limit_in_bytes"), String(32 * 1024 * 1024));
    assertEquals(read("memory.swappiness"), "17");
    assertStringIncludes(read("memory.oom_control"), "oom_kill_disable 1");
    const shown = await root.run(
      "inspect",
      "--format",
      "{{.HostConfig.MemoryReservation}} {{json .HostConfig.MemorySwappiness}} {{.HostConfig.OomKillDisable}}",
      "soft",
    );
    assertEquals(shown.stdout.trim(), "33554432 17 true");

    // Docker's warning when nothing bounds what the OOM killer would have stopped.
    const unbounded = await root.run("run", "--rm", "--oom-kill-disable", "busybox", "true");
    assertEquals(unbounded.code, 0, unbounded.stderr);
    assertStringIncludes(unbounded.stderr, "WARNING: OOM killer is disabled for the container");
  });
});
