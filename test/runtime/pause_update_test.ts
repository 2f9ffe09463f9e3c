/**
 * `pause`/`resume` and `update` on the real kernel: the freezer (v1
 * `freezer.state`, v2 `cgroup.freeze`) and a process that stops and goes
 * on again; the state words and runc's error words (taken from runc 1.1.5
 * run side by side on this machine); limits read back from cgroupfs.
 *
 * @module
 */

import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { eventually } from "../_harness.ts";
import { cgroupDir, defaultSpec, type TestBundle, withBundle } from "./_bundle.ts";

/** A container whose process renames a new number to /tmp/tick every 20 ms (never read half-written). */
const TICKING = [
  "sh",
  "-c",
  "i=0; while :; do i=$((i+1)); echo $i > /tmp/t; mv /tmp/t /tmp/tick; sleep 0.02; done",
];

const onV1 = exists("/sys/fs/cgroup/freezer");

/** The freezer's word for the container: v1 freezer.state, v2 cgroup.freeze as 0/1. */
function freezer(id: string): string {
  const file = onV1
    ? `${cgroupDir("freezer", id)}/freezer.state`
    : `${cgroupDir("", id)}/cgroup.freeze`;
  return Deno.readTextFileSync(file).trim();
}

async function status(t: TestBundle, id: string): Promise<string> {
  return String((await t.state(id)).status);
}

/** `runc ...args` must fail with exit 1 and `words` in its error. */
async function refused(t: TestBundle, words: string, ...args: string[]): Promise<void> {
  const r = await t.runc(...args);
  assertEquals(r.code, 1, `${args.join(" ")}: ${r.stdout}`);
  assertStringIncludes(t.lastError(), words, args.join(" "));
  assertEquals(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
}

/** `pid` exists and is no zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

const tick = (t: TestBundle) => Deno.readTextFileSync(`${t.rootfs}/tmp/tick`).trim();

Deno.test("runtime: pause freezes a created or running container, resume thaws it; runc's words", async () => {
  await withBundle(defaultSpec("pz", TICKING), async (t) => {
    await t.create("pz");
    assertEquals((await t.runc("pause", "pz")).code, 0);
    assertEquals(await status(t, "pz"), "paused");
    assertEquals(freezer("pz"), onV1 ? "FROZEN" : "1");
    await refused(t, "container not running", "pause", "pz");
    await refused(t, "cannot start a container in the paused state", "start", "pz");
    assertEquals((await t.runc("resume", "pz")).code, 0);
    assertEquals(await status(t, "pz"), "created", "back to what it was");
    await refused(t, "container not paused", "resume", "pz");

    assertEquals((await t.runc("start", "pz")).code, 0);
    await eventually(() => {
      try {
        return Number(tick(t)) > 2;
      } catch {
        return false;
      }
    });
    assertEquals((await t.runc("pause", "pz")).code, 0);
    assertEquals(await status(t, "pz"), "paused");
    const list = JSON.parse((await t.runc("list", "--format", "json")).stdout);
    assertEquals(list.map((s: { id: string; status: string }) => [s.id, s.status]), [
      ["pz", "paused"],
    ]);
    // Frozen: the counter stands still.
    const frozenAt = tick(t);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(tick(t), frozenAt, "a paused container's process does not run");
    await refused(t, "cannot exec in a paused container", "exec", "pz", "true");
    await refused(t, "cannot delete container pz that is not stopped: paused", "delete", "pz");

    assertEquals((await t.runc("resume", "pz")).code, 0);
    assertEquals(await status(t, "pz"), "running");
    assertEquals(freezer("pz"), onV1 ? "THAWED" : "0");
    await eventually(() => tick(t) !== frozenAt);

    // A signal other than SIGKILL leaves it paused (sh ignores SIGTERM as PID 1);
    // SIGKILL thaws it so the init dies.
    assertEquals((await t.runc("pause", "pz")).code, 0);
    assertEquals((await t.runc("kill", "pz", "TERM")).code, 0);
    assertEquals(await status(t, "pz"), "paused");
    assertEquals((await t.runc("kill", "pz", "KILL")).code, 0);
    await eventually(async () => await status(t, "pz") === "stopped");
    await refused(t, "container not running", "pause", "pz");
    assertEquals((await t.runc("delete", "pz")).code, 0);

    await refused(t, "does not exist", "pause", "nosuch");
    await refused(t, "does not exist", "resume", "nosuch");
  });
});

Deno.test("runtime: delete --force of a paused container kills it and leaves no cgroup", async () => {
  await withBundle(defaultSpec("pf", ["sleep", "100"]), async (t) => {
    const pid = await t.create("pf");
    assertEquals((await t.runc("start", "pf")).code, 0);
    assertEquals((await t.runc("pause", "pf")).code, 0);
    const dir = cgroupDir(onV1 ? "freezer" : "", "pf");
    assertEquals((await t.runc("delete", "--force", "pf")).code, 0, t.lastError());
    assert(!alive(pid), "the init is gone");
    assert(!exists(dir), `${dir} is left`);
  });
});

Deno.test("runtime: kill --all signals every process of the cgroup, frozen while listed, thawed after", async () => {
  // A shell that keeps a child: both must get the TERM (the shell as PID 1 ignores it unless trapped).
  const spec = defaultSpec("ka", ["sh", "-c", "trap 'exit 7' TERM; sleep 100 & wait"]);
  await withBundle(spec, async (t) => {
    await t.create("ka");
    assertEquals((await t.runc("start", "ka")).code, 0);
    const procs = () =>
      Deno.readTextFileSync(`${cgroupDir(onV1 ? "pids" : "", "ka")}/cgroup.procs`).trim()
        .split("\n").filter((l) => l !== "").map(Number);
    await eventually(() => procs().length === 2);
    const before = procs();
    const killed = await t.runc("--debug", "kill", "--all", "ka", "TERM");
    assertEquals(killed.code, 0, t.lastError());
    assertStringIncludes(killed.stderr, "the cgroup is frozen while it is signalled");
    await eventually(() => before.every((pid) => !alive(pid)));
    assertEquals(await status(t, "ka"), "stopped");
    assertEquals(freezer("ka"), onV1 ? "THAWED" : "0");
    assertEquals((await t.runc("delete", "ka")).code, 0, t.lastError());
  });
});

/** The v1 file of `controller` for `id`, or its v2 file. */
function limit(id: string, controller: string, v1File: string, v2File: string): string {
  return Deno.readTextFileSync(
    onV1 ? `${cgroupDir(controller, id)}/${v1File}` : `${cgroupDir("", id)}/${v2File}`,
  ).trim();
}

const MiB = 1024 * 1024;

Deno.test("runtime: update writes the container's new limits to its cgroup, from flags or resources JSON", async () => {
  const spec = defaultSpec("up", ["sleep", "100"]);
  spec.linux!.resources = {
    memory: { limit: 64 * MiB, disableOOMKiller: onV1 },
    // The realtime period: cgroup v1's alone.
    cpu: { quota: 50000, period: 100000, ...(onV1 ? { realtimePeriod: 500000 } : {}) },
    pids: { limit: 42 },
  };
  await withBundle(spec, async (t) => {
    await t.create("up");
    assertEquals((await t.runc("start", "up")).code, 0);
    const memory = () => limit("up", "memory", "memory.limit_in_bytes", "memory.max");
    const period = () =>
      onV1 ? limit("up", "cpu", "cpu.cfs_period_us", "") : limit("up", "", "", "cpu.max");
    const quota = () => limit("up", "cpu", "cpu.cfs_quota_us", "cpu.max");
    const pids = () => limit("up", "pids", "pids.max", "pids.max");
    const shares = () => limit("up", "cpu", "cpu.shares", "cpu.weight");
    const cpus = () => limit("up", "cpuset", "cpuset.cpus", "cpuset.cpus");
    const reservation = () => limit("up", "memory", "memory.soft_limit_in_bytes", "memory.low");

    const flags = await t.runc(
      "update",
      "--memory",
      "100m",
      "--memory-swap",
      "200m",
      "--cpu-period",
      "50000",
      "--cpu-quota",
      "25000",
      "--cpu-share",
      "512",
      "--pids-limit",
      "40",
      "--cpuset-cpus",
      "0",
      "--memory-reservation",
      "20m",
      "up",
    );
    assertEquals(flags.code, 0, flags.stderr);
    assertEquals(memory(), String(100 * MiB));
    assertEquals(reservation(), String(20 * MiB));
    if (onV1) {
      assertEquals([period(), quota(), shares()], ["50000", "25000", "512"]);
    } else {
      assertEquals(quota(), "25000 50000");
    }
    assertEquals([pids(), cpus()], ["40", "0"]);

    // What containerd's shim sends: linux.resources on stdin; 0 and absent leave a limit as it is.
    const json = JSON.stringify({
      devices: [{ allow: false, access: "rwm" }],
      memory: { limit: 200 * MiB, swap: 400 * MiB, reservation: 0 },
      cpu: { quota: -1, shares: 0, cpus: "" },
      hugepageLimits: [{ pageSize: "2MB", limit: 0 }],
      blockIO: {},
    });
    const stdin = await t.runcWithStdin(json, "update", "-r", "-", "up");
    assertEquals(stdin.code, 0, stdin.stderr);
    if (onV1) {
      const devices = limit("up", "devices", "devices.list", "").split("\n");
      assert(devices.includes("c 1:3 rwm"), `device rules are not updated: ${devices}`);
    }
    assertEquals(memory(), String(200 * MiB));
    assertEquals(reservation(), String(20 * MiB), "a reservation of 0 leaves it");
    if (onV1) {
      assertEquals([period(), quota(), shares()], ["50000", "-1", "512"]);
    } else {
      assertEquals(quota(), "max 50000");
    }
    assertEquals([pids(), cpus()], ["40", "0"]);

    const file = `${t.dir}/resources.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({ pids: { limit: -1 }, memory: { reservation: 30 * MiB } }),
    );
    assertEquals((await t.runc("update", "--resources", file, "up")).code, 0, t.lastError());
    assertEquals(pids(), "max");
    assertEquals(reservation(), String(30 * MiB));
    // Kept in the record: the next update starts from the last one's limits.
    const record = JSON.parse(Deno.readTextFileSync(`${t.root}/up/state.json`));
    // What an update does not change (the OOM switch, the realtime period) stays in the record too.
    assertEquals(record.spec.linux.resources.memory, {
      limit: 200 * MiB,
      swap: 400 * MiB,
      reservation: 30 * MiB,
      disableOOMKiller: onV1,
    });
    assertEquals(record.spec.linux.resources.cpu.realtimePeriod, onV1 ? 500000 : undefined);
    assertEquals(record.spec.linux.resources.pids, { limit: -1 });

    // Bad input: one line, exit 1, nothing changed.
    const before = [memory(), quota(), pids(), shares()];
    const stateBefore = Deno.readTextFileSync(`${t.root}/up/state.json`);
    await refused(
      t,
      "invalid value for memory: invalid size: 'abc'",
      "update",
      "--memory",
      "abc",
      "up",
    );
    await refused(t, "invalid value for cpu-share", "update", "--cpu-share", "x", "up");
    await refused(t, "--blkio-weight is not supported", "update", "--blkio-weight", "100", "up");
    Deno.writeTextFileSync(file, "nojson");
    await refused(t, "resources: invalid JSON", "update", "-r", file, "up");
    Deno.writeTextFileSync(file, JSON.stringify({ memory: { limit: "1g" } }));
    await refused(t, "resources: memory.limit must be an integer", "update", "-r", file, "up");
    Deno.writeTextFileSync(file, JSON.stringify({ blockIO: { weight: 100 } }));
    await refused(t, "resources: blockIO is not supported", "update", "-r", file, "up");
    // What runc's update would ignore: a limit asked for and not applied is refused.
    for (
      const [resources, message] of [
        [{ memory: { disableOOMKiller: true } }, "memory.disableOOMKiller is not supported"],
        [{ memory: { swappiness: 10 } }, "memory.swappiness is not supported"],
        [{ cpu: { idle: 1 } }, "cpu.idle is not supported"],
        [{ memory: { limitt: 1 } }, "resources: memory.limitt: unknown field"],
        [{ blkio: {} }, "resources: blkio: unknown field"],
      ] as const
    ) {
      Deno.writeTextFileSync(file, JSON.stringify(resources));
      await refused(t, message, "update", "-r", file, "up");
    }
    // The kernel refuses a limit below what the container uses: what was written is put back.
    const tiny = await t.runc("update", "--memory", "1", "up");
    assertEquals(tiny.code, 1, tiny.stdout);
    assertStringIncludes(t.lastError(), "memory");
    assertEquals([memory(), quota(), pids(), shares()], before);
    assertEquals(Deno.readTextFileSync(`${t.root}/up/state.json`), stateBefore);

    await refused(
      t,
      "invalid value for memory: invalid size: '1.2.3'",
      "update",
      "--memory",
      "1.2.3",
      "up",
    );
    // A CPU the host does not have is refused before any limit is written (the kernel
    // would refuse it only after the memory limit was in).
    await refused(
      t,
      "invalid value for cpuset-cpus: '0,99': 99 not online",
      "update",
      "--memory",
      "50m",
      "--cpuset-cpus",
      "0,99",
      "up",
    );
    await refused(t, "'0-x' is not a list", "update", "--cpuset-cpus", "0-x", "up");
    assertEquals([memory(), quota(), pids(), shares()], before);
    assertEquals(Deno.readTextFileSync(`${t.root}/up/state.json`), stateBefore);

    await refused(t, "does not exist", "update", "--memory", "10m", "nosuch");
    assertEquals((await t.runc("kill", "up", "KILL")).code, 0);
    await eventually(async () => await status(t, "up") === "stopped");
    await refused(t, "container not running", "update", "--memory", "10m", "up");
    assertNotEquals(memory(), String(10 * MiB));
  });
});
