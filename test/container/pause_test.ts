/**
 * pause/unpause, checked against what Docker 20.10 did here with
 * `sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'`: pause prints
 * the name, a second pause is "Container <id> is already paused" (exit 1),
 * ps STATUS "Up … (Paused)", inspect State {Status: "paused", Running:
 * true, Paused: true}, exec refused with "Container <name> is paused,
 * unpause the container before exec", kill -s TERM of the paused container
 * ends it with the trap's 3 (thawed after the signal), unpause of a
 * running container "Container <id> is not paused", pause of a stopped one
 * "Container <id> is not running".
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { delay, eventually, TEST_CGROUP_PARENT, withRoot } from "../_harness.ts";
import { CgroupV2Driver } from "../../src/cgroup/v2.ts";
import { FakeCgroup2 } from "../cgroup/_fake_cgroup2.ts";

const TRAP = 'trap "exit 3" TERM; while :; do sleep 0.1; done';

const freezerState = (id: string) =>
  Deno.readTextFileSync(`/sys/fs/cgroup/freezer${TEST_CGROUP_PARENT}/${id}/freezer.state`).trim();

/** The state letter (field 3 of /proc/<pid>/stat) of every process listed in the container's freezer cgroup. */
function taskStates(id: string): string[] {
  const procs = Deno.readTextFileSync(
    `/sys/fs/cgroup/freezer${TEST_CGROUP_PARENT}/${id}/cgroup.procs`,
  ).split("\n").filter((l) => l !== "");
  return procs.map((pid) => {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  });
}

Deno.test("pause: the freezer cgroup FROZEN, paused in ps and inspect, exec refused, unpause thaws", async () => {
  await withRoot(async (root) => {
    const run = await root.run("run", "-d", "--name", "frozen", "busybox", "sh", "-c", TRAP);
    assertEquals(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assertEquals(freezerState(id), "THAWED");

    const paused = await root.run("pause", "frozen");
    assertEquals([paused.code, paused.stdout], [0, "frozen\n"], paused.stderr);
    assertEquals(freezerState(id), "FROZEN");
    // A frozen task sleeps uninterruptibly in the freezer, as the kernel reports it.
    const states = taskStates(id);
    assert(states.length >= 1 && states.every((s) => s === "D" || s === "S"), states.join(","));
    const before = Deno.readTextFileSync(
      `/sys/fs/cgroup/cpuacct${TEST_CGROUP_PARENT}/${id}/cpuacct.usage`,
    );
    await delay(300);
    // No CPU time while frozen (the shell loop would fork sleep every 100 ms).
    assertEquals(
      Deno.readTextFileSync(`/sys/fs/cgroup/cpuacct${TEST_CGROUP_PARENT}/${id}/cpuacct.usage`),
      before,
    );

    const again = await root.run("pause", "frozen");
    assertEquals([again.code, again.stderr], [
      1,
      `Error response from daemon: Container ${id} is already paused\n`,
    ]);
    const ps = await root.run("ps", "--format", "{{.Status}}|{{.State}}");
    assertMatch(ps.stdout, /^Up .* \(Paused\)\|paused\n$/);
    const state = JSON.parse((await root.run("inspect", "-f", "{{json .State}}", "frozen")).stdout);
    assertEquals([state.Status, state.Running, state.Paused], ["paused", true, true]);

    const exec = await root.run("exec", "frozen", "true");
    assertEquals([exec.code, exec.stderr], [
      1,
      "Error response from daemon: Container frozen is paused, unpause the container before exec\n",
    ]);

    const rm = await root.run("rm", "frozen");
    assertEquals([rm.code, rm.stderr], [
      1,
      `Error response from daemon: You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove\n`,
    ]);

    const unpaused = await root.run("unpause", "frozen");
    assertEquals([unpaused.code, unpaused.stdout], [0, "frozen\n"]);
    assertEquals(freezerState(id), "THAWED");
    const twice = await root.run("unpause", "frozen");
    assertEquals([twice.code, twice.stderr], [
      1,
      `Error response from daemon: Container ${id} is not paused\n`,
    ]);
  });
});

Deno.test("pause: a signal to a paused container is acted on (Docker thaws it): TERM runs the trap", async () => {
  await withRoot(async (root) => {
    const run = await root.run("run", "-d", "--name", "trapped", "busybox", "sh", "-c", TRAP);
    const id = run.stdout.trim();
    assertEquals((await root.run("pause", "trapped")).code, 0);
    const kill = await root.run("kill", "-s", "TERM", "trapped");
    assertEquals([kill.code, kill.stdout], [0, "trapped\n"], kill.stderr);
    await eventually(() => root.store().resolve("trapped").state.exitCode === 3);
    const state = root.store().resolve("trapped").state;
    assertEquals([state.status, state.paused], ["exited", false]);

    const stopped = await root.run("pause", "trapped");
    assertEquals([stopped.code, stopped.stderr], [
      1,
      `Error response from daemon: Container ${id} is not running\n`,
    ]);
  });
});

Deno.test("pause: stop, restart and rm -f of a paused container, as Docker's (thawed, then handled)", async () => {
  await withRoot(async (root) => {
    assertEquals(
      (await root.run("run", "-d", "--name", "stopme", "busybox", "sh", "-c", TRAP)).code,
      0,
    );
    assertEquals((await root.run("pause", "stopme")).code, 0);
    const stop = await root.run("stop", "-t", "5", "stopme");
    assertEquals([stop.code, stop.stdout], [0, "stopme\n"], stop.stderr);
    assertEquals(root.store().resolve("stopme").state.exitCode, 3);

    assertEquals((await root.run("start", "stopme")).code, 0);
    assertEquals((await root.run("pause", "stopme")).code, 0);
    const restart = await root.run("restart", "-t", "1", "stopme");
    assertEquals([restart.code, restart.stdout], [0, "stopme\n"], restart.stderr);
    const again = root.store().resolve("stopme");
    assertEquals([again.state.status, again.state.paused], ["running", false]);
    assertEquals(freezerState(again.id), "THAWED");

    assertEquals((await root.run("pause", "stopme")).code, 0);
    const rm = await root.run("rm", "-f", "stopme");
    assertEquals([rm.code, rm.stdout], [0, "stopme\n"], rm.stderr);
    assertEquals(root.store().ids(), []);
  });
});

Deno.test("pause: cgroup v2 freezes through cgroup.freeze and waits for cgroup.events", async () => {
  const fake = new FakeCgroup2();
  try {
    const driver = new CgroupV2Driver(fake.root, fake);
    const cg = driver.create("c0ffee", {});
    const leaf = `${fake.root}/dockergsh/c0ffee`;
    assertEquals(cg.frozen(), false);
    await cg.freeze();
    assertEquals(Deno.readTextFileSync(`${leaf}/cgroup.freeze`).trim(), "1");
    assertMatch(Deno.readTextFileSync(`${leaf}/cgroup.events`), /^frozen 1$/m);
    assertEquals(cg.frozen(), true);
    cg.thaw();
    assertEquals(Deno.readTextFileSync(`${leaf}/cgroup.freeze`).trim(), "0");
    assertEquals(cg.frozen(), false);
  } finally {
    fake.dispose();
  }
});
