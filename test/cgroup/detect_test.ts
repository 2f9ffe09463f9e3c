import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { detectCgroupLayout, processCgroups } from "../../src/cgroup/detect.ts";

const HYBRID = `24 1 0:22 / /sys rw - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

const UNIFIED = `24 1 0:22 / /sys rw - sysfs sysfs rw
30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

Deno.test("detect: a hybrid host (v1 controllers + empty cgroup2) is v1", () => {
  const none = () => false;
  assertEquals(detectCgroupLayout(HYBRID, none), { version: "v1", mountRoot: "/sys/fs/cgroup" });
});

Deno.test("detect: a unified cgroup2 mount with controllers is v2", () => {
  const mounted = (p: string) => p === "/sys/fs/cgroup";
  assertEquals(detectCgroupLayout(UNIFIED, mounted), {
    version: "v2",
    mountRoot: "/sys/fs/cgroup",
  });
  const onlyNamed = UNIFIED +
    "40 31 0:37 / /run/systemd-v1 rw - cgroup cgroup rw,name=systemd\n";
  assertEquals(detectCgroupLayout(onlyNamed, mounted).version, "v2");
  assertThrows(() => detectCgroupLayout(UNIFIED, () => false), /no cgroup controllers/);
});

Deno.test("detect: this host's layout names a mount root that holds the controllers", () => {
  const layout = detectCgroupLayout();
  const probe = layout.version === "v1"
    ? `${layout.mountRoot}/memory/cgroup.procs`
    : `${layout.mountRoot}/cgroup.controllers`;
  assert(Deno.statSync(probe).isFile, probe);
});

Deno.test("detect: a process's cgroup per controller", () => {
  const cgroups = processCgroups(
    "12:cpu,cpuacct:/a\n4:memory:/process_api/x\n1:name=systemd:/\n0::/user.slice\n",
  );
  assertEquals(cgroups.get("cpu"), "/a");
  assertEquals(cgroups.get("cpuacct"), "/a");
  assertEquals(cgroups.get("memory"), "/process_api/x");
  assertEquals(cgroups.get("name=systemd"), "/");
  assertEquals(cgroups.get(""), "/user.slice");

  const own = processCgroups();
  for (const line of Deno.readTextFileSync("/proc/self/cgroup").trim().split("\n")) {
    const [, ctls, path] = line.split(":");
    assertEquals(own.get(ctls.split(",")[0]), path);
  }
});
