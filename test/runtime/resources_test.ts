/**
 * `linux.resources` beyond the basics on the real kernel: the memory
 * reservation, swappiness and OOM switch, block I/O weights and
 * throttles read back from cgroupfs; and every field the runtime cannot
 * apply (no cgroup code, a file the kernel lacks, SELinux and AppArmor)
 * refused in one line with nothing left behind.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import type { LinuxResources, Spec } from "../../src/oci/spec.ts";
import { cgroupDir, defaultSpec, type TestBundle, withBundle } from "./_bundle.ts";
import { exists } from "../_fs.ts";
import { onV1 } from "../cgroup/_test_parent.ts";

const MiB = 1024 * 1024;

/** MAJ:MIN of a whole disk of this machine (the first listed in /sys/block that is not virtual). */
function someDisk(): { major: number; minor: number } | undefined {
  for (const e of Deno.readDirSync("/sys/block")) {
    if (/^(loop|ram|zram|dm-)/.test(e.name)) continue;
    const [major, minor] = Deno.readTextFileSync(`/sys/block/${e.name}/dev`).trim().split(":");
    return { major: Number(major), minor: Number(minor) };
  }
  return undefined;
}

Deno.test({
  name: "runtime: memory reservation, swappiness and disableOOMKiller in cgroup v1's files",
  ignore: !onV1,
  fn: async () => {
    const spec = defaultSpec("mem", ["sleep", "100"]);
    spec.linux!.resources = {
      memory: {
        limit: 64 * MiB,
        reservation: 32 * MiB,
        swappiness: 17,
        disableOOMKiller: true,
        kernel: 64 * MiB,
        kernelTCP: 64 * MiB,
      },
    };
    await withBundle(spec, async (t) => {
      await t.create("mem");
      const read = (file: string) =>
        Deno.readTextFileSync(`${cgroupDir("memory", "mem")}/${file}`).trim();
      assertEquals(read("memory.limit_in_bytes"), String(64 * MiB));
      assertEquals(read("memory.soft_limit_in_bytes"), String(32 * MiB));
      assertEquals(read("memory.swappiness"), "17");
      assertStringIncludes(read("memory.oom_control"), "oom_kill_disable 1");
      // Kernel memory is ignored, as runc 1.1 ignores it: the kernel's own value stays.
      assert(Number(read("memory.kmem.limit_in_bytes")) > 2 ** 62, "kmem limit written");
    });
  },
});

Deno.test({
  name:
    "runtime: a swappiness of -1 (2^64 - 1 from Docker) leaves the kernel's; OOM killer stays on",
  ignore: !onV1,
  fn: async () => {
    const spec = defaultSpec("swp", ["sleep", "100"]);
    // Docker's -1 as a uint64, as containerd passes it on.
    const text = JSON.stringify(spec).replace(
      `"linux":{`,
      `"linux":{"resources":{"memory":{"swappiness":18446744073709551615,"disableOOMKiller":false}},`,
    );
    await withBundle(spec, async (t) => {
      Deno.writeTextFileSync(`${t.bundle}/config.json`, text);
      await t.create("swp");
      const dir = cgroupDir("memory", "swp");
      const parent = dir.replace(/\/[^/]+$/, "");
      assertEquals(
        Deno.readTextFileSync(`${dir}/memory.swappiness`),
        Deno.readTextFileSync(`${parent}/memory.swappiness`),
      );
      assertStringIncludes(
        Deno.readTextFileSync(`${dir}/memory.oom_control`),
        "oom_kill_disable 0",
      );
    });
  },
});

Deno.test({
  name: "runtime: blockIO throttles and the weight (CFQ's or BFQ's file) in cgroup v1's blkio",
  ignore: !onV1 || !exists("/sys/fs/cgroup/blkio") || someDisk() === undefined,
  fn: async () => {
    const disk = someDisk()!;
    const spec = defaultSpec("blk", ["sleep", "100"]);
    const dev = (rate: number) => [{ ...disk, rate }];
    spec.linux!.resources = {
      blockIO: {
        throttleReadBpsDevice: dev(1048576),
        throttleWriteBpsDevice: dev(2097152),
        throttleReadIOPSDevice: dev(300),
        throttleWriteIOPSDevice: dev(400),
      },
    };
    await withBundle(spec, async (t) => {
      await t.create("blk");
      const read = (id: string, file: string) =>
        Deno.readTextFileSync(`${cgroupDir("blkio", id)}/${file}`).trim();
      const d = `${disk.major}:${disk.minor}`;
      assertEquals(read("blk", "blkio.throttle.read_bps_device"), `${d} 1048576`);
      assertEquals(read("blk", "blkio.throttle.write_bps_device"), `${d} 2097152`);
      assertEquals(read("blk", "blkio.throttle.read_iops_device"), `${d} 300`);
      assertEquals(read("blk", "blkio.throttle.write_iops_device"), `${d} 400`);
      // CFQ's weight file, or BFQ's where the kernel has BFQ instead.
      const weightFile = ["blkio.weight", "blkio.bfq.weight"].find((f) =>
        exists(`${cgroupDir("blkio", "blk")}/${f}`)
      );
      if (weightFile === undefined) return;
      const weighted = defaultSpec("blkw", ["sleep", "100"]);
      weighted.linux!.resources = { blockIO: { weight: 321 } };
      t.writeSpec(weighted);
      await t.create("blkw");
      assertStringIncludes(read("blkw", weightFile), "321");
    });
  },
});

Deno.test({
  name: "runtime: cpu burst, idle and the realtime period in cgroup v1's cpu files",
  ignore: !onV1 || !exists("/sys/fs/cgroup/cpu/cpu.rt_period_us"),
  fn: async () => {
    const spec = defaultSpec("cpu", ["sleep", "100"]);
    spec.linux!.resources = {
      cpu: { quota: 50000, period: 100000, burst: 20000, idle: 1, realtimePeriod: 500000 },
    };
    await withBundle(spec, async (t) => {
      await t.create("cpu");
      const read = (file: string) =>
        Deno.readTextFileSync(`${cgroupDir("cpu", "cpu")}/${file}`).trim();
      assertEquals(read("cpu.cfs_quota_us"), "50000");
      if (exists(`${cgroupDir("cpu", "cpu")}/cpu.cfs_burst_us`)) {
        assertEquals(read("cpu.cfs_burst_us"), "20000");
      }
      if (exists(`${cgroupDir("cpu", "cpu")}/cpu.idle`)) assertEquals(read("cpu.idle"), "1");
      assertEquals(read("cpu.rt_period_us"), "500000");
    });
  },
});

/** Creates `id` from `spec`, which must be refused with `message`, and checks nothing is left. */
async function refused(t: TestBundle, spec: Spec, id: string, message: string): Promise<void> {
  t.writeSpec(spec);
  const r = await t.runc("create", "--bundle", t.bundle, id);
  assertEquals(r.code, 1, `${id} was not refused`);
  assertStringIncludes(t.lastError(), message);
  assert(!t.lastError().includes("\n"), "more than one line");
  if (exists(t.root)) {
    assertEquals([...Deno.readDirSync(t.root)].filter((e) => !e.name.startsWith("@")), []);
  }
  for (const ctl of ["pids", "memory", "blkio"]) {
    assert(!exists(cgroupDir(ctl, id)), `${ctl} cgroup left behind`);
  }
}

Deno.test("runtime: linux.resources it has no code for are refused in one line, nothing made", async () => {
  const spec = defaultSpec("no", ["true"]);
  await withBundle(spec, async (t) => {
    const cases: [LinuxResources, string][] = [
      [{ hugepageLimits: [{ pageSize: "2MB", limit: 0 }] }, "cannot set hugetlb limit"],
      [{ network: { classID: 1048577 } }, "cannot set net_cls/net_prio limit"],
      [{ network: { priorities: [{ name: "eth0", priority: 5 }] } }, "linux.resources.network"],
      [{ rdma: { mlx5_1: { hcaHandles: 3 } } }, "cannot set rdma limit"],
      [{ cpu: { idle: "yes" as unknown as number } }, "cpu.idle must be an integer"],
      [{ unified: { "memory.high": "1000000" } }, "linux.resources.unified"],
      [{ memory: { swappiness: 101 } }, "valid range is 0-100"],
      [{ memory: { useHierarchy: false } }, "always accounts memory hierarchically"],
      [{ memory: { reservation: "big" as unknown as number } }, "must be an integer"],
      [{ pidz: { limit: 3 } } as LinuxResources, "linux.resources.pidz: unknown field"],
    ];
    if (onV1 && !exists("/sys/dev/block/255:255")) {
      // No such disk: the kernel refuses the rule (ENODEV).
      cases.push([
        { blockIO: { throttleReadBpsDevice: [{ major: 255, minor: 255, rate: 1 }] } },
        "blkio.throttle.read_bps_device",
      ]);
    }
    if (onV1) {
      // CFQ's leaf weights: gone with CFQ (Linux 5.0).
      if (!exists("/sys/fs/cgroup/blkio/blkio.leaf_weight")) {
        cases.push([{ blockIO: { leafWeight: 300 } }, "cannot set blkio leaf weight"]);
      }
      // The parents hold no realtime budget to give (their cpu.rt_runtime_us is 0).
      if (exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")) {
        cases.push([{ cpu: { realtimeRuntime: 1000 } }, "cpu.rt_runtime_us: Invalid argument"]);
      }
    } else {
      cases.push([{ cpu: { realtimeRuntime: 1000 } }, "cgroup v2 has no realtime CPU bandwidth"]);
      cases.push([{ memory: { swappiness: 10 } }, "cgroup v2 has no memory.swappiness"]);
      cases.push([{ blockIO: { leafWeight: 500 } }, "cgroup v2 has no leaf weights"]);
    }
    for (const [resources, message] of cases) {
      spec.linux!.resources = resources;
      await refused(t, spec, "no", message);
    }
  });
});

Deno.test("runtime: SELinux labels and an AppArmor profile are refused in one line, nothing made", async () => {
  const label = "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811";
  await withBundle(defaultSpec("lbl", ["true"]), async (t) => {
    const process = (extra: object) => {
      const spec = defaultSpec("lbl", ["true"]);
      Object.assign(spec.process!, extra);
      return spec;
    };
    await refused(t, process({ selinuxLabel: label }), "lbl", "selinux label is specified");
    await refused(t, process({ apparmorProfile: "acme" }), "lbl", "apparmor profile is specified");
    const mount = defaultSpec("lbl", ["true"]);
    mount.linux!.mountLabel = label;
    await refused(t, mount, "lbl", "mount label is specified");

    // exec --process: the same words, and the container goes on.
    const spec = defaultSpec("lbl", ["sleep", "100"]);
    t.writeSpec(spec);
    await t.create("lbl");
    const file = `${t.dir}/process.json`;
    Deno.writeTextFileSync(file, JSON.stringify({ ...spec.process, selinuxLabel: label }));
    const r = await t.runc("exec", "--process", file, "lbl");
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, "selinux label is specified in config");
    assertEquals((await t.state("lbl")).status, "created");
  });
});
