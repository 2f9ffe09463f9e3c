import { assert, assertEquals } from "../_assert.ts";
import { isRemoved } from "../../src/cgroup/_fs.ts";
import { CgroupV1Driver } from "../../src/cgroup/v1.ts";
import type { Resources } from "../../src/container/record.ts";
import { DEFAULT_DEVICE_RULES } from "../../src/oci/default_devices.ts";
import { killAll, onV1, shellInCgroup, testParent } from "./_test_parent.ts";
import { exists } from "../_fs.ts";

const MiB = 1024 * 1024;
/** The fixture's static busybox (`make fixtures/busybox`): its dd has oflag=direct. */
const BUSYBOX = new URL("../../fixtures/busybox", import.meta.url).pathname;
const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const text = (path: string) => Deno.readTextFileSync(path).trim();

/**
 * Runs `fn` with a v1 driver and a fresh parent inside the test run's own
 * cgroup; kills what the test put in its cgroups and removes them after.
 */
async function withParent(
  fn: (driver: CgroupV1Driver, parent: string, mountRoot: string) => Promise<void>,
): Promise<void> {
  const { parent, mountRoot, cleanup } = testParent();
  const driver = new CgroupV1Driver(mountRoot);
  try {
    await fn(driver, parent, mountRoot);
  } finally {
    const leftover = `${mountRoot}/pids${parent}/${ID}`;
    if (exists(leftover)) killAll(leftover);
    await driver.open(ID, parent).destroy();
    cleanup();
  }
}

/** A shell in the container's cgroup running `script`; its status. */
async function runInCgroup(
  cg: { addProcess(pid: number): void },
  script: string,
): Promise<Deno.CommandStatus> {
  return await (await shellInCgroup(cg, script)).status;
}

Deno.test({
  name: "cgroup v1: limits written, a child joins every hierarchy, destroy removes them",
  ignore: !onV1,
  fn: () =>
    withParent(async (driver, parent, mountRoot) => {
      const resources: Resources = {
        memory: 32 * MiB,
        memorySwap: 64 * MiB,
        cpuQuota: 50000,
        cpuPeriod: 100000,
        cpuShares: 512,
        pidsLimit: 10,
        cgroupParent: parent,
      };
      const cg = driver.create(ID, resources);
      const dir = (ctl: string) => `${mountRoot}/${ctl}${parent}/${ID}`;
      assertEquals(
        [...cg.paths].sort(),
        ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"].map(dir),
      );
      assertEquals(text(`${dir("memory")}/memory.limit_in_bytes`), "33554432");
      if (exists(`${dir("memory")}/memory.memsw.limit_in_bytes`)) {
        assertEquals(text(`${dir("memory")}/memory.memsw.limit_in_bytes`), "67108864");
      }
      assertEquals(text(`${dir("cpu")}/cpu.cfs_period_us`), "100000");
      assertEquals(text(`${dir("cpu")}/cpu.cfs_quota_us`), "50000");
      assertEquals(text(`${dir("cpu")}/cpu.shares`), "512");
      assertEquals(text(`${dir("pids")}/pids.max`), "10");
      // Filled from the parents, all the way down, or adding a task fails with ENOSPC.
      const rootCpus = text(`${mountRoot}/cpuset/cpuset.cpus`);
      assert(rootCpus !== "");
      assertEquals(text(`${dir("cpuset")}/cpuset.cpus`), rootCpus);
      assertEquals(text(`${mountRoot}/cpuset${parent}/cpuset.cpus`), rootCpus);
      assertEquals(
        text(`${dir("cpuset")}/cpuset.mems`),
        text(`${mountRoot}/cpuset/cpuset.mems`),
      );

      const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
      try {
        cg.addProcess(child.pid);
        const joined = new Map(
          text(`/proc/${child.pid}/cgroup`).split("\n").map((l) => {
            const [, ctls, path] = l.split(":");
            return [ctls, path] as const;
          }),
        );
        for (
          const ctl of ["memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio"]
        ) {
          assertEquals(joined.get(ctl), `${parent}/${ID}`, ctl);
        }
        const stats = cg.stats();
        assertEquals(stats.pids, 1);
        assertEquals(stats.memoryLimit, 32 * MiB);
        assert(stats.memoryUsage >= 0 && stats.memoryUsage < 32 * MiB, `${stats.memoryUsage}`);
        assertEquals(cg.oomKilled(), false);
        assertEquals([stats.blockRead, stats.blockWrite], [0, 0]);
      } finally {
        child.kill("SIGKILL");
        await child.status;
      }

      // The kernel counts the throttle layer's bytes only for a device some rule throttles: a
      // rule far above any speed on the device of /tmp, then 1 MiB written past the page cache.
      const scratch = Deno.makeTempFileSync({ prefix: "dgsh-test-blkio-" });
      try {
        const dev = Deno.statSync(scratch).dev;
        const major = Math.floor(dev / 256) & 0xfff;
        const minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff);
        Deno.writeTextFileSync(
          `${dir("blkio")}/blkio.throttle.write_bps_device`,
          `${major}:${minor} 1099511627776`,
        );
        const wrote = await runInCgroup(
          cg,
          `${BUSYBOX} dd if=/dev/zero of=${scratch} bs=64k count=16 oflag=direct 2>/dev/null`,
        );
        assert(wrote.success);
        const counted = cg.stats();
        assertEquals(
          counted.blockWrite,
          MiB,
          text(`${dir("blkio")}/blkio.throttle.io_service_bytes_recursive`),
        );
      } finally {
        Deno.removeSync(scratch);
      }
      await cg.destroy();
      for (const path of cg.paths) assert(!exists(path), `${path} removed`);
      await cg.destroy();
      assertEquals(driver.open(ID, parent).paths, cg.paths);
    }),
});

Deno.test({
  name: "cgroup v1: a create that fails leaves nothing behind",
  ignore: !onV1,
  fn: () =>
    withParent(async (driver, parent, mountRoot) => {
      let message = "";
      try {
        driver.create(ID, { cpusetCpus: "4096", cgroupParent: parent });
      } catch (err) {
        message = String(err);
      }
      assert(message.includes(`cpuset.cpus`), message);
      for (const ctl of ["memory", "cpu", "cpuset", "pids"]) {
        assert(!exists(`${mountRoot}/${ctl}${parent}/${ID}`), ctl);
      }
      await Promise.resolve();
    }),
});

Deno.test({
  name: "cgroup v1: a memory hog is OOM-killed at 32m and succeeds at 128m",
  ignore: !onV1,
  fn: () =>
    withParent(async (driver, parent) => {
      // tail keeps the whole line in memory: /dev/zero has no newline.
      const hog = "head -c 67108864 /dev/zero | tail -n 1 >/dev/null";
      const small = driver.create(ID, {
        memory: 32 * MiB,
        memorySwap: 64 * MiB,
        cgroupParent: parent,
      });
      const killed = await runInCgroup(small, hog);
      assertEquals(killed.code, 137, "tail died of SIGKILL");
      assertEquals(small.oomKilled(), true);
      await small.destroy();

      const big = driver.create(ID, {
        memory: 128 * MiB,
        memorySwap: 256 * MiB,
        cgroupParent: parent,
      });
      const done = await runInCgroup(big, hog);
      assertEquals(done.code, 0);
      assertEquals(big.oomKilled(), false);
      await big.destroy();
    }),
});

Deno.test({
  name: "cgroup v1: --pids-limit 10 caps the tasks of a fork loop",
  ignore: !onV1,
  fn: () =>
    withParent(async (driver, parent, mountRoot) => {
      const cg = driver.create(ID, { pidsLimit: 10, cgroupParent: parent });
      const pids = `${mountRoot}/pids${parent}/${ID}`;
      await runInCgroup(cg, "for i in $(seq 50); do sleep 5 & done; wait");
      const current = Number(text(`${pids}/pids.current`));
      const refused = Number(text(`${pids}/pids.events`).split(" ")[1]);
      assert(current <= 10, `pids.current ${current}`);
      assert(current > 1, `the loop did fork: ${current}`);
      assert(refused > 0, `forks refused by the limit: ${refused}`);
      assertEquals(cg.stats().pids, current);
      killAll(pids);
      await cg.destroy();
    }),
});

Deno.test({
  name: "cgroup v1: Docker's default device rules: devices.list as Docker's, /dev/kmsg EPERM",
  ignore: !onV1,
  fn: () =>
    withParent(async (driver, parent, mountRoot) => {
      const tmp = Deno.makeTempDirSync({ prefix: "dgsh-test-devices-" });
      try {
        const script = [
          "true </dev/null && echo null-rw",
          "true </dev/kmsg && echo kmsg-open",
          `mknod ${tmp}/kmsg c 1 11 && echo mknod-ok`,
          `true <${tmp}/kmsg && echo node-open`,
        ].join("; ");
        const cg = driver.create(ID, { cgroupParent: parent, devices: [...DEFAULT_DEVICE_RULES] });
        // What `cat /sys/fs/cgroup/devices/devices.list` shows in a Docker 20.10 container
        // here (the kernel lists them in the order they were added: compared as sets).
        const list = text(`${mountRoot}/devices${parent}/${ID}/devices.list`).split("\n");
        assertEquals(
          list.sort(),
          [
            "b *:* m",
            "c *:* m",
            "c 1:3 rwm",
            "c 1:5 rwm",
            "c 1:7 rwm",
            "c 1:8 rwm",
            "c 1:9 rwm",
            "c 5:0 rwm",
            "c 5:1 rwm",
            "c 5:2 rwm",
            "c 10:200 rwm",
            "c 136:* rwm",
          ].sort(),
        );
        const child = new Deno.Command("/bin/sh", {
          args: ["-c", `read go; ${script}`],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        cg.addProcess(child.pid);
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode("go\n"));
        await w.close();
        const out = await child.output();
        const dec = new TextDecoder();
        assertEquals(dec.decode(out.stdout).split("\n").filter((l) => l), ["null-rw", "mknod-ok"]);
        const stderr = dec.decode(out.stderr);
        assert(stderr.includes("cannot open /dev/kmsg: Operation not permitted"), stderr);
        assert(stderr.includes(`cannot open ${tmp}/kmsg: Operation not permitted`), stderr);
        await cg.destroy();
      } finally {
        Deno.removeSync(tmp, { recursive: true });
      }
    }),
});

Deno.test({
  name: "cgroup v1: a cgroup removed between the open and the read of freezer.state is not frozen",
  ignore: !onV1,
  fn: () =>
    withParent(async (driver, parent, mountRoot) => {
      const cg = driver.create(ID, { cgroupParent: parent });
      assertEquals(cg.frozen(), false);
      // The kernel's answer to a read through a file opened before the rmdir: ENODEV.
      const state = Deno.openSync(`${mountRoot}/freezer${parent}/${ID}/freezer.state`);
      await cg.destroy();
      let err: unknown;
      try {
        state.readSync(new Uint8Array(16));
      } catch (e) {
        err = e;
      } finally {
        state.close();
      }
      assert(isRemoved(err), `${err}`);
      assert(isRemoved(new Deno.errors.NotFound("gone")));
      assert(!isRemoved(new Error("Permission denied (os error 13)")));
      assertEquals(cg.frozen(), false);
    }),
});
