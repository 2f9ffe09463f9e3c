/**
 * Removing a container's cgroup that still holds processes (an init
 * orphaned and blocked in a read, what it forked) kills them and removes
 * every directory, on the real kernel: v1 in every hierarchy, v2 in the
 * unified one. The cgroups are made inside the test run's own, so the
 * processes moved into them stay inside the test run's cgroups.
 */

import { assert, assertEquals } from "../_assert.ts";
import { processCgroups } from "../../src/cgroup/detect.ts";
import type { ContainerCgroup } from "../../src/cgroup/driver.ts";
import { CgroupV1Driver } from "../../src/cgroup/v1.ts";
import { CgroupV2Driver } from "../../src/cgroup/v2.ts";
import { eventually } from "../_harness.ts";
import { killAll, onV1, shellInCgroup, testParent } from "./_test_parent.ts";
import { exists } from "../_fs.ts";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const listed = (dir: string) =>
  Deno.readTextFileSync(`${dir}/cgroup.procs`).split("\n").filter((l) => l !== "").map(Number);

/** True once process `pid` has exited (gone, or a zombie waiting for its parent). */
function exited(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`));
  } catch {
    return true;
  }
}

/**
 * A shell moved into `cg` that then forks a `sleep` and becomes another:
 * two processes in the cgroup, blocked, that never leave by themselves.
 */
async function leaveSleepers(cg: ContainerCgroup): Promise<Deno.ChildProcess> {
  const child = await shellInCgroup(cg, "sleep 1000 & exec sleep 1000");
  await eventually(() => cg.paths.every((dir) => listed(dir).length === 2));
  return child;
}

/** Leaves two sleepers in `cg`, destroys it, and checks they were killed and it is gone. */
async function destroyKillsSleepers(cg: ContainerCgroup): Promise<void> {
  const child = await leaveSleepers(cg);
  const pids = listed(cg.paths[0]);
  assert(pids.includes(child.pid), `${pids} holds the shell ${child.pid}`);
  await cg.destroy();
  for (const path of cg.paths) assert(!exists(path), `${path} removed`);
  assertEquals((await child.status).signal, "SIGKILL");
  await eventually(() => pids.every(exited));
}

Deno.test({
  name:
    "cgroup v1: removing a container cgroup SIGKILLs the processes left in it, then every hierarchy's directory goes",
  ignore: !onV1,
  fn: async () => {
    const { parent, mountRoot, cleanup } = testParent();
    const driver = new CgroupV1Driver(mountRoot);
    const cg = driver.create(ID, { cgroupParent: parent });
    try {
      assertEquals(cg.paths.length > 1, true, `${cg.paths}`);
      await destroyKillsSleepers(cg);
    } finally {
      for (const path of cg.paths) if (exists(path)) killAll(path);
      await driver.open(ID, parent).destroy();
      cleanup();
    }
  },
});

/** The cgroup2 mount point, if there is one. */
function cgroup2Mount(): string | undefined {
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (post?.startsWith("cgroup2 ")) return pre.split(" ")[4];
  }
}

const mount = cgroup2Mount();

Deno.test({
  name:
    "cgroup v2: removing a container cgroup SIGKILLs the processes left in it, then its directory goes",
  ignore: mount === undefined,
  fn: async () => {
    const own = (processCgroups().get("") ?? "/").replace(/\/$/, "");
    const parent = `${own}/dgsh-test-${crypto.randomUUID().slice(0, 8)}`;
    const driver = new CgroupV2Driver(mount!);
    const cg = driver.create(ID, { cgroupParent: parent });
    try {
      assertEquals(cg.paths, [`${mount}${parent}/${ID}`]);
      await destroyKillsSleepers(cg);
      assert(
        exists(`${mount}${parent}`),
        "the parent stays: only the container's cgroup is emptied",
      );
    } finally {
      if (exists(cg.paths[0])) killAll(cg.paths[0]);
      await driver.open(ID, parent).destroy();
      Deno.removeSync(`${mount}${parent}`);
    }
  },
});
