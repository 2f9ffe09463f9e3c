import { assert, assertEquals } from "../_assert.ts";
import { deviceProgram } from "../../src/cgroup/device_program.ts";
import { CgroupV2Driver } from "../../src/cgroup/v2.ts";
import { FakeCgroup2 } from "./_fake_cgroup2.ts";

const ID = "c0ffee";
const MiB = 1024 * 1024;

/** Runs `fn` with a fresh fake tree and a driver on it; removes the tree after. */
async function withTree(
  fn: (fake: FakeCgroup2, driver: CgroupV2Driver) => void | Promise<void>,
  controllers?: string[],
): Promise<void> {
  const fake = new FakeCgroup2(controllers);
  try {
    await fn(fake, new CgroupV2Driver(fake.root, fake));
  } finally {
    fake.dispose();
  }
}

const text = (path: string) => Deno.readTextFileSync(path).trim();

Deno.test("cgroup v2: controllers enabled down the path, limits written in the leaf", () =>
  withTree((fake, driver) => {
    const cg = driver.create(ID, {
      memory: 32 * MiB,
      memorySwap: 48 * MiB,
      cpuQuota: 50000,
      cpuPeriod: 100000,
      cpuShares: 512,
      cpusetCpus: "0",
      cpusetMems: "0",
      pidsLimit: 10,
    });
    const leaf = `${fake.root}/dockergsh/${ID}`;
    assertEquals(cg.paths, [leaf]);
    // The root offers io too, but only what a container uses is enabled.
    assertEquals(text(`${fake.root}/cgroup.subtree_control`), "cpuset cpu memory pids");
    assertEquals(text(`${fake.root}/dockergsh/cgroup.subtree_control`), "cpuset cpu memory pids");
    assertEquals(text(`${leaf}/cgroup.subtree_control`), "");
    assertEquals(text(`${leaf}/memory.max`), `${32 * MiB}`);
    assertEquals(text(`${leaf}/memory.swap.max`), `${16 * MiB}`);
    assertEquals(text(`${leaf}/cpu.max`), "50000 100000");
    assertEquals(text(`${leaf}/cpu.weight`), "20");
    assertEquals(text(`${leaf}/cpuset.cpus`), "0");
    assertEquals(text(`${leaf}/cpuset.mems`), "0");
    assertEquals(text(`${leaf}/pids.max`), "10");

    cg.addProcess(4242);
    assertEquals(text(`${leaf}/cgroup.procs`), "4242");
    assertEquals(text(`${fake.root}/dockergsh/cgroup.procs`), "", "no process in the parent");
  }));

Deno.test("cgroup v2: unset limits stay at the kernel's defaults; -1 swap is unlimited", () =>
  withTree((fake, driver) => {
    driver.create(ID, {});
    const leaf = `${fake.root}/dockergsh/${ID}`;
    assertEquals(text(`${leaf}/memory.max`), "max");
    assertEquals(text(`${leaf}/cpu.max`), "max 100000");
    assertEquals(text(`${leaf}/pids.max`), "max");
    driver.create("other", { memory: 64 * MiB, memorySwap: -1 });
    assertEquals(text(`${fake.root}/dockergsh/other/memory.swap.max`), "max");
  }));

Deno.test("cgroup v2: --cgroup-parent nests the container; each ancestor passes controllers", () =>
  withTree((fake, driver) => {
    const cg = driver.create(ID, { memory: 16 * MiB, cgroupParent: "/ci/jobs" });
    assertEquals(cg.paths, [`${fake.root}/ci/jobs/${ID}`]);
    for (const dir of ["", "/ci", "/ci/jobs"]) {
      assertEquals(text(`${fake.root}${dir}/cgroup.subtree_control`), "cpuset cpu memory pids");
    }
    assertEquals(text(`${fake.root}/ci/jobs/${ID}/memory.max`), `${16 * MiB}`);
    assertEquals(driver.open(ID, "/ci/jobs").paths, cg.paths);
  }));

Deno.test("cgroup v2: only offered controllers are enabled; a limit without its controller fails and leaves nothing", () =>
  withTree(async (fake, driver) => {
    driver.create("first", { memory: 16 * MiB });
    assertEquals(text(`${fake.root}/cgroup.subtree_control`), "memory pids");
    await driver.open("first").destroy();
    Deno.removeSync(`${fake.root}/dockergsh`, { recursive: true });

    let message = "";
    try {
      driver.create(ID, { cpuQuota: 100000, cgroupParent: "/a/b" });
    } catch (err) {
      message = String(err);
    }
    assert(message.includes(`a/b/${ID}/cpu.max`), message);
    assert(!fake.exists(`${fake.root}/a`), "the directories made by the failed create are gone");
  }, ["memory", "pids"]));

Deno.test("cgroup v2: a parent that holds processes cannot pass controllers down (no internal processes)", () =>
  withTree((fake, driver) => {
    fake.write(`${fake.root}/cgroup.subtree_control`, "+memory");
    fake.mkdir(`${fake.root}/busy`);
    fake.write(`${fake.root}/busy/cgroup.procs`, "777");
    let message = "";
    try {
      driver.create(ID, { memory: 16 * MiB, cgroupParent: "/busy" });
    } catch (err) {
      message = String(err);
    }
    assert(message.includes("holds processes cannot pass controllers down"), message);
    assert(!fake.exists(`${fake.root}/busy/${ID}`));
  }));

Deno.test("cgroup v2: stats and OOM kills from the leaf's files", () =>
  withTree((fake, driver) => {
    const cg = driver.create(ID, { memory: 32 * MiB });
    const leaf = cg.paths[0];
    fake.write(`${leaf}/memory.current`, `${10 * MiB}`);
    fake.write(`${leaf}/memory.stat`, `anon ${8 * MiB}\ninactive_file ${2 * MiB}\n`);
    fake.write(`${leaf}/cpu.stat`, "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    fake.write(`${leaf}/pids.current`, "3");
    // io.stat as the kernel writes it where the io controller is on, one line per device.
    Deno.writeTextFileSync(
      `${leaf}/io.stat`,
      "254:0 rbytes=4096 wbytes=1048576 rios=1 wios=16 dbytes=0 dios=0\n" +
        "7:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
    );
    assertEquals(cg.stats(), {
      memoryUsage: 8 * MiB,
      memoryLimit: 32 * MiB,
      cpuUsageNs: 1_500_000,
      pids: 3,
      blockRead: 4608,
      blockWrite: MiB,
    });
    assertEquals(driver.create("free", {}).stats().memoryLimit, Infinity);
    assertEquals(cg.oomKilled(), false);
    fake.write(`${leaf}/memory.events`, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    assertEquals(cg.oomKilled(), true);
  }));

Deno.test("cgroup v2: destroy waits for tasks to drain, and is a no-op once gone", () =>
  withTree(async (fake, driver) => {
    const cg = driver.create(ID, {});
    const leaf = cg.paths[0];
    cg.addProcess(99);
    setTimeout(() => Deno.writeTextFileSync(`${leaf}/cgroup.procs`, ""), 100);
    await cg.destroy();
    assert(!fake.exists(leaf));
    await cg.destroy();
    await driver.open("never-made").destroy();
    assert(fake.exists(`${fake.root}/dockergsh`), "the shared parent stays");
  }));

Deno.test("cgroup v2: destroy kills what is left, and gives up with the path when tasks never leave", () =>
  withTree(async (fake, driver) => {
    const cg = driver.create(ID, {});
    cg.addProcess(99);
    let message = "";
    try {
      await cg.destroy();
    } catch (err) {
      message = String(err);
    }
    assert(message.includes(`cannot remove cgroup ${cg.paths[0]}`), message);
    assert(fake.killed.length > 0 && fake.killed.every((pid) => pid === 99), `${fake.killed}`);
    Deno.writeTextFileSync(`${cg.paths[0]}/cgroup.procs`, "");
    await cg.destroy();
  }));

Deno.test("cgroup v2: device rules become one program attached to the leaf at create; bad rules make nothing", () =>
  withTree((fake, driver) => {
    driver.create("plain", {});
    assertEquals(fake.devicePrograms.size, 0, "no rules, no program");
    const rules = [
      { allow: false, access: "rwm" },
      { allow: true, type: "c" as const, major: 1, minor: 3, access: "rwm" },
    ];
    driver.create(ID, { devices: rules });
    const leaf = `${fake.root}/dockergsh/${ID}`;
    assertEquals(fake.devicePrograms.get(leaf), [deviceProgram(rules)]);
    assertEquals(fake.devicePrograms.get(`${fake.root}/dockergsh`), undefined);

    let message = "";
    try {
      driver.create("bad", { devices: [{ allow: true, access: "rwx" }] });
    } catch (err) {
      message = String(err);
    }
    assert(message.includes(`invalid access "rwx"`), message);
    assert(!fake.exists(`${fake.root}/dockergsh/bad`), "nothing made");
  }));

Deno.test("cgroup v2: setLimits on a live cgroup writes only what is set; -1 is max, a period alone keeps the quota field", () =>
  withTree((fake, driver) => {
    const cg = driver.create(ID, { memory: 32 * MiB, cpuQuota: 50000, cpuPeriod: 100000 });
    const leaf = `${fake.root}/dockergsh/${ID}`;
    cg.setLimits({ cpuPeriod: 50000, cpuQuota: 25000 });
    assertEquals(text(`${leaf}/cpu.max`), "25000 50000");
    cg.setLimits({ cpuQuota: -1, memory: -1, pidsLimit: -1 });
    assertEquals(text(`${leaf}/cpu.max`), "max");
    assertEquals(text(`${leaf}/memory.max`), "max");
    assertEquals(text(`${leaf}/pids.max`), "max");
    fake.write(`${leaf}/cpu.max`, "30000 100000");
    cg.setLimits({ cpuPeriod: 20000 });
    assertEquals(text(`${leaf}/cpu.max`), "30000 20000");
    cg.setLimits({ pidsLimit: 7 });
    assertEquals(text(`${leaf}/pids.max`), "7");
    assertEquals(text(`${leaf}/memory.max`), "max", "untouched");
  }));

Deno.test("cgroup v2: the memory reservation is memory.low, cpu burst and idle; swappiness, realtime and leaf weights refused before any write", () =>
  withTree((fake, driver) => {
    driver.create(ID, {
      memory: 64 * MiB,
      memoryReservation: 32 * MiB,
      oomKillDisable: true,
      cpuQuota: 50000,
      cpuBurst: 20000,
      cpuIdle: 1,
    });
    const leaf = `${fake.root}/dockergsh/${ID}`;
    assertEquals(text(`${leaf}/memory.low`), `${32 * MiB}`);
    assertEquals(text(`${leaf}/cpu.max.burst`), "20000");
    assertEquals(text(`${leaf}/cpu.idle`), "1");
    driver.create("unlimited", { memoryReservation: -1 });
    assertEquals(text(`${fake.root}/dockergsh/unlimited/memory.low`), "max");

    const cg = driver.open(ID);
    for (
      const [r, message] of [
        [{ memory: 16 * MiB, memorySwappiness: 10 }, "cgroup v2 has no memory.swappiness"],
        [{ memory: 16 * MiB, blkio: { weight: 500 } }, "the io controller is not enabled"],
        [{ memory: 16 * MiB, blkio: { leafWeight: 500 } }, "cgroup v2 has no leaf weights"],
        [{ memory: 16 * MiB, cpuRtRuntime: 1000 }, "cgroup v2 has no cpu.rt_* files"],
      ] as const
    ) {
      let refused = "";
      try {
        cg.setLimits(r);
      } catch (err) {
        refused = (err as Error).message;
      }
      assert(refused.includes(message), refused);
      assertEquals(text(`${leaf}/memory.max`), `${64 * MiB}`, "written before the refusal");
    }
  }));

Deno.test("cgroup v2: unified files written by name, last; a missing file or a path refused", () =>
  withTree((fake, driver) => {
    const cg = driver.create(ID, { memory: 64 * MiB, unified: { "memory.max": "50000000" } });
    const leaf = `${fake.root}/dockergsh/${ID}`;
    assertEquals(text(`${leaf}/memory.max`), "50000000", "unified comes after the limits");
    for (
      const [unified, message] of [
        [{ "hugetlb.2MB.max": "0" }, "has no such file"],
        [{ "../cgroup.procs": "1" }, "must be CONTROLLER.FILE"],
      ] as const
    ) {
      let refused = "";
      try {
        cg.setLimits({ unified });
      } catch (err) {
        refused = (err as Error).message;
      }
      assert(refused.includes(message), refused);
    }
    assertEquals(text(`${fake.root}/dockergsh/cgroup.procs`), "");
  }));

Deno.test("cgroup v2: block I/O on the io controller, enabled only for a container that asks", () =>
  withTree((fake, driver) => {
    driver.create(ID, {
      blkio: {
        weight: 500,
        weightDevices: [{ major: 254, minor: 0, weight: 1000 }],
        readBps: [{ major: 254, minor: 0, rate: 1048576 }],
        writeIops: [{ major: 254, minor: 0, rate: 0 }],
      },
      cgroupParent: "/io",
    });
    assertEquals(text(`${fake.root}/cgroup.subtree_control`), "cpuset cpu io memory pids");
    const leaf = `${fake.root}/io/${ID}`;
    // The fake keeps the last line written; each was one write.
    assertEquals(text(`${leaf}/io.weight`), "254:0 10000");
    assertEquals(text(`${leaf}/io.max`), "254:0 wiops=max");
    const plain = driver.create("plain", { cgroupParent: "/plain" });
    assertEquals(text(`${fake.root}/plain/cgroup.subtree_control`), "cpuset cpu memory pids");
    assertEquals(plain.paths, [`${fake.root}/plain/plain`]);
  }));
