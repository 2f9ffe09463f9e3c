/**
 * The v2 device program on the real kernel: this machine's cgroup2
 * hierarchy (hybrid: /sys/fs/cgroup/unified, no controllers) runs
 * BPF_PROG_TYPE_CGROUP_DEVICE programs. The container cgroup is made
 * inside the test run's own v2 cgroup, so a child moved into it stays
 * inside the test run's cgroups.
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { processCgroups } from "../../src/cgroup/detect.ts";
import { CgroupV2Driver } from "../../src/cgroup/v2.ts";
import { DEFAULT_DEVICE_RULES } from "../../src/oci/default_devices.ts";
import { killAll } from "./_test_parent.ts";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** The cgroup2 mount point, if there is one. */
function cgroup2Mount(): string | undefined {
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (post?.startsWith("cgroup2 ")) return pre.split(" ")[4];
  }
}

const mount = cgroup2Mount();

/** Runs `script` in `sh`, moved into `cgroup` first when given; its output. */
async function sh(script: string, cgroup?: { addProcess(pid: number): void }) {
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", `read go; ${script}`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  cgroup?.addProcess(child.pid);
  const own = Deno.readTextFileSync(`/proc/${child.pid}/cgroup`).split("\n").find((l) =>
    l.startsWith("0::")
  );
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("go\n"));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { own, code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "cgroup v2 devices: Docker's default rules, as a BPF program, for real",
  ignore: mount === undefined,
  fn: async () => {
    const own = (processCgroups().get("") ?? "/").replace(/\/$/, "");
    const parent = `${own}/dgsh-test-${crypto.randomUUID().slice(0, 8)}`;
    const tmp = Deno.makeTempDirSync({ prefix: "dgsh-test-devices-" });
    const driver = new CgroupV2Driver(mount!);
    const script = [
      "true </dev/null && echo null-rw",
      "true </dev/zero && echo zero-rw",
      "true </dev/kmsg && echo kmsg-open",
      `mknod ${tmp}/kmsg c 1 11 && echo mknod-ok`,
      `true <${tmp}/kmsg && echo node-open`,
      `rm -f ${tmp}/kmsg`,
    ].join("; ");
    try {
      // Outside the cgroup every step works: the test can fail.
      const free = await sh(script);
      assertEquals(free.stdout.split("\n").filter((l) => l), [
        "null-rw",
        "zero-rw",
        "kmsg-open",
        "mknod-ok",
        "node-open",
      ]);

      const cg = driver.create(ID, { cgroupParent: parent, devices: [...DEFAULT_DEVICE_RULES] });
      assertEquals(cg.paths, [`${mount}${parent}/${ID}`]);
      const confined = await sh(script, cg);
      assertEquals(confined.own, `0::${parent}/${ID}`);
      assertEquals(confined.stdout.split("\n").filter((l) => l), [
        "null-rw",
        "zero-rw",
        "mknod-ok",
      ]);
      assertStringIncludes(confined.stderr, "cannot open /dev/kmsg: Operation not permitted");
      assertStringIncludes(confined.stderr, `cannot open ${tmp}/kmsg: Operation not permitted`);
      await cg.destroy();
      assert(!exists(`${mount}${parent}/${ID}`), "destroy removed the leaf");
    } finally {
      const leaf = `${mount}${parent}/${ID}`;
      if (exists(leaf)) killAll(leaf);
      await driver.open(ID, parent).destroy();
      Deno.removeSync(`${mount}${parent}`);
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});
