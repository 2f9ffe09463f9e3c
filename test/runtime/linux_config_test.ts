/**
 * config.json's `linux` part on the real kernel: resources in cgroupfs,
 * seccomp, sysctl, rootfsPropagation, namespaces joined by path; and
 * the runtime's hooks with the state on their stdin.
 *
 * @module
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "../_assert.ts";
import { eventually } from "../_harness.ts";
import { lstatOrUndefined } from "../../src/_fs.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { processStartTime } from "../../src/process/proc.ts";
import { cgroupDir, defaultSpec, procStatus, withBundle } from "./_bundle.ts";

/** One classic-BPF instruction, `ret SECCOMP_RET_ALLOW`: a filter that allows everything. */
const ALLOW_ALL = new Uint8Array([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);

const sleeping = (pid: number) => () =>
  Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep";

Deno.test("runtime: linux.resources are written to the container's cgroup before it starts", async () => {
  const spec = defaultSpec("res", ["sleep", "100"]);
  spec.linux!.resources = {
    memory: { limit: 64 * 1024 * 1024 },
    // A period other than the kernel's default 100 ms: written as given.
    cpu: { shares: 512, quota: 25000, period: 50000 },
    pids: { limit: 42 },
    devices: [{ allow: false, access: "rwm" }, {
      allow: true,
      type: "c",
      major: 10,
      minor: 229,
      access: "rw",
    }],
  };
  await withBundle(spec, async (t) => {
    await t.create("res");
    const read = (ctl: string, file: string) =>
      Deno.readTextFileSync(`${cgroupDir(ctl, "res")}/${file}`).trim();
    if (read("pids", "cgroup.procs") === "") throw new Error("the init is not in its cgroup");
    const v1 = cgroupDir("memory", "res").startsWith("/sys/fs/cgroup/memory/");
    if (v1) {
      assertEquals(read("memory", "memory.limit_in_bytes"), String(64 * 1024 * 1024));
      assertEquals(read("cpu", "cpu.shares"), "512");
      assertEquals(read("cpu", "cpu.cfs_period_us"), "50000");
      assertEquals(read("cpu", "cpu.cfs_quota_us"), "25000");
      assertEquals(read("pids", "pids.max"), "42");
      const devices = read("devices", "devices.list").split("\n");
      // The spec's rule, then runc's defaults after it (/dev/null among them).
      assert(devices.includes("c 10:229 rw"), devices.join(", "));
      assert(devices.includes("c 1:3 rwm"), devices.join(", "));
      assert(!devices.includes("a *:* rwm"), "devices are not restricted");
    } else {
      assertEquals(read("", "memory.max"), String(64 * 1024 * 1024));
      assertEquals(read("", "cpu.max"), "25000 50000");
      assertEquals(read("", "pids.max"), "42");
    }
  });
});

Deno.test("runtime: linux.seccomp filters the container's process", async () => {
  const spec = defaultSpec("sec", [
    "sh",
    "-c",
    "mkdir /tmp/d 2>/tmp/err; echo $? > /tmp/rc; exec sleep 100",
  ]);
  spec.linux!.seccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  };
  await withBundle(spec, async (t) => {
    const pid = await t.create("sec");
    assertEquals((await t.runc("start", "sec")).code, 0);
    await eventually(sleeping(pid));
    assertEquals(procStatus(pid, "Seccomp"), "2");
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/rc`).trim(), "1");
    assertStringIncludes(Deno.readTextFileSync(`${t.rootfs}/tmp/err`), "not permitted");

    // An exec'd process gets the container's filter too.
    const exec = await t.runc("exec", "sec", "sh", "-c", "mkdir /tmp/e");
    assertEquals(exec.code, 1, exec.stdout);
    assertStringIncludes(exec.stderr, "not permitted");

    // Compiled once, kept root-only under the runtime's root.
    const cache = `${t.root}/@seccomp`;
    const names = [...Deno.readDirSync(cache)].map((e) => e.name);
    assertEquals(names.length, 1, names.join(" "));
    assertMatch(names[0], /^[0-9a-f]{64}\.bpf$/);
    const program = `${cache}/${names[0]}`;
    const info = Deno.statSync(program);
    assertEquals([info.uid, info.mode! & 0o7777, info.size % 8], [0, 0o600, 0]);
    assertEquals((await t.runc("list", "--quiet")).stdout, "sec\n", "the cache is no container");

    // The second container of the same filter installs the kept program, not a new one:
    // root's own allow-all program in its place lets mkdir through.
    Deno.writeFileSync(program, ALLOW_ALL, { mode: 0o600 });
    const second = await t.create("sec2");
    assertEquals((await t.runc("start", "sec2")).code, 0);
    await eventually(sleeping(second));
    assertEquals(procStatus(second, "Seccomp"), "2");
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/rc`).trim(), "0");

    // One another user could have written is removed and compiled again.
    Deno.removeSync(`${t.rootfs}/tmp/d`);
    Deno.chownSync(program, 65534, 65534);
    const third = await t.create("sec3");
    assertEquals((await t.runc("start", "sec3")).code, 0);
    await eventually(sleeping(third));
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/rc`).trim(), "1");
    assertStringIncludes(Deno.readTextFileSync(`${t.rootfs}/tmp/err`), "not permitted");
    assertEquals(Deno.statSync(program).uid, 0);
    assertNotEquals(Deno.readFileSync(program), ALLOW_ALL);
  });
});

Deno.test("runtime: a filter that denies close_range still starts the command and its execs, with no fd but 0-2", async () => {
  const spec = defaultSpec("nocr", ["sh", "-c", "ls /proc/self/fd > /tmp/fds; exec sleep 100"]);
  // runtime-tools' default profile has no close_range: the init marks its fds before the filter.
  spec.linux!.seccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{ names: ["close_range"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  };
  spec.process!.noNewPrivileges = false;
  await withBundle(spec, async (t) => {
    const pid = await t.create("nocr");
    assertEquals((await t.runc("start", "nocr")).code, 0, t.lastError());
    await eventually(sleeping(pid));
    // ls's own directory is the fourth.
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/fds`).split("\n").filter((l) => l), [
      "0",
      "1",
      "2",
      "3",
    ]);
    const exec = await t.runc("exec", "nocr", "sh", "-c", "ls /proc/self/fd | wc -l");
    assertEquals([exec.code, exec.stdout.trim()], [0, "4"], exec.stderr);
  });
});

Deno.test("runtime: linux.sysctl in the container's own namespaces; a host-wide one is refused", async () => {
  const spec = defaultSpec("sysctl", [
    "sh",
    "-c",
    "cat /proc/sys/kernel/shmmax > /tmp/shm; cat /proc/sys/net/ipv4/ip_forward > /tmp/fwd; exec sleep 100",
  ]);
  spec.linux!.sysctl = { "kernel.shmmax": "123456789", "net.ipv4.ip_forward": "1" };
  await withBundle(spec, async (t) => {
    const pid = await t.create("sysctl");
    assertEquals((await t.runc("start", "sysctl")).code, 0);
    await eventually(sleeping(pid));
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/shm`).trim(), "123456789");
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/fwd`).trim(), "1");
    assert(
      Deno.readTextFileSync("/proc/sys/kernel/shmmax").trim() !== "123456789",
      "the host's shmmax changed",
    );

    spec.linux!.sysctl = { "kernel.pid_max": "4096" };
    t.writeSpec(spec);
    assertEquals((await t.runc("create", "--bundle", t.bundle, "sysctl2")).code, 1);
    assertStringIncludes(t.lastError(), "kernel.pid_max");
  });
});

Deno.test("runtime: rootfsPropagation shared makes the container's / a shared mount", async () => {
  const spec = defaultSpec("prop", ["sleep", "100"]);
  spec.linux!.rootfsPropagation = "shared";
  await withBundle(spec, async (t) => {
    const pid = await t.create("prop");
    const root = Deno.readTextFileSync(`/proc/${pid}/mountinfo`).split("\n")
      .find((l) => l.split(" ")[4] === "/")!;
    assert(/ shared:\d+ /.test(root), root);
  });
});

Deno.test("runtime: linux.namespaces joined by path (another container's network and IPC)", async () => {
  const spec = defaultSpec("first", ["sleep", "100"]);
  await withBundle(spec, async (t) => {
    const first = await t.create("first");
    const joining = defaultSpec("second", ["sleep", "100"]);
    joining.linux!.namespaces = [{ type: "pid" }, { type: "uts" }, { type: "mount" }, {
      type: "network",
      path: `/proc/${first}/ns/net`,
    }, { type: "ipc", path: `/proc/${first}/ns/ipc` }];
    t.writeSpec(joining);
    const second = await t.create("second");
    const ns = (pid: number, name: string) => Deno.readLinkSync(`/proc/${pid}/ns/${name}`);
    assertEquals(ns(second, "net"), ns(first, "net"));
    assertEquals(ns(second, "ipc"), ns(first, "ipc"));
    assert(ns(second, "uts") !== ns(first, "uts"), "uts was not made anew");
    assert(ns(second, "pid") !== ns(first, "pid"), "pid was not made anew");
    // This process is back in its own namespaces.
    assert(ns(Deno.pid, "net") !== ns(first, "net"));
  });
});

Deno.test("runtime: a mount namespace joined by path is the container's; the runtime's own is refused", async () => {
  // A namespace made by util-linux unshare, as runtime-tools' linux_ns_path makes one.
  const holder = new Deno.Command("unshare", {
    args: ["--mount", "--propagation", "private", "--kill-child", "sleep", "100"],
    stdin: "null",
  }).spawn();
  try {
    let target = 0;
    const own = Deno.readLinkSync("/proc/self/ns/mnt");
    await eventually(() => {
      const children = Deno.readTextFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`);
      target = Number(children.trim().split(" ")[0]);
      return target > 0 && Deno.readLinkSync(`/proc/${target}/ns/mnt`) !== own;
    });
    const spec = defaultSpec("joinmnt", ["sleep", "100"]);
    spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) =>
      ns.type === "mount" ? { type: "mount", path: `/proc/${target}/ns/mnt` } : ns
    );
    await withBundle(spec, async (t) => {
      const pid = await t.create("joinmnt");
      assertEquals(
        Deno.readLinkSync(`/proc/${pid}/ns/mnt`),
        Deno.readLinkSync(`/proc/${target}/ns/mnt`),
      );
      // Its root is the bundle's, pivoted in that namespace; this process is back in its own.
      assertEquals(Deno.readLinkSync(`/proc/${pid}/root`), "/");
      assert(Deno.statSync(`/proc/${pid}/root/bin/busybox`).isFile);
      assertEquals(Deno.readLinkSync("/proc/self/ns/mnt"), own);

      spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) =>
        ns.type === "mount" ? { type: "mount", path: "/proc/self/ns/mnt" } : ns
      );
      t.writeSpec(spec);
      assertEquals((await t.runc("create", "--bundle", t.bundle, "ownmnt")).code, 1);
      assertStringIncludes(t.lastError(), "the mount namespace to join is the runtime's own");
      assertEquals(lstatOrUndefined(`${t.root}/ownmnt`), undefined);
    });
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
  }
});

Deno.test("runtime: every kind of hook runs where and when the spec says, with the state on stdin", async () => {
  const spec = defaultSpec("hooks", [
    "sh",
    "-c",
    "cat /tmp/startContainer.json > /tmp/seen-by-process; exec sleep 100",
  ]);
  await withBundle(spec, async (t) => {
    const hook = (name: string) => ({
      path: "/bin/sh",
      args: ["sh", "-c", `cat > ${t.dir}/${name}.json; echo "$HOOK_ENV" > ${t.dir}/${name}.env`],
      env: ["HOOK_ENV=from-spec"],
    });
    spec.hooks = {
      prestart: [hook("prestart")],
      createRuntime: [hook("createRuntime")],
      // In the container's namespaces before pivot_root, after createRuntime: host paths.
      createContainer: [{
        path: "/bin/sh",
        args: [
          "sh",
          "-c",
          `cat > ${t.dir}/createContainer.json; readlink /proc/self/ns/mnt > ${t.dir}/cc.mnt; ` +
          `test -f ${t.dir}/createRuntime.json && echo after > ${t.dir}/cc.order`,
        ],
      }],
      // In the container, confined as it is, before its process: its path is the container's.
      startContainer: [{
        path: "/bin/sh",
        args: [
          "sh",
          "-c",
          "cat > /tmp/startContainer.json; echo $HOOK_ENV >> /tmp/startContainer.env",
        ],
        env: ["HOOK_ENV=in-container"],
      }],
      poststart: [hook("poststart")],
      poststop: [hook("poststop")],
    };
    t.writeSpec(spec);
    const pid = await t.create("hooks");
    const read = (name: string) => JSON.parse(Deno.readTextFileSync(`${t.dir}/${name}.json`));
    for (const name of ["prestart", "createRuntime"]) {
      const state = read(name);
      assertEquals([state.id, state.pid, state.status], ["hooks", pid, "creating"]);
      assertEquals(Deno.readTextFileSync(`${t.dir}/${name}.env`), "from-spec\n");
    }
    const cc = read("createContainer");
    assertEquals([cc.id, cc.pid, cc.status], ["hooks", pid, "created"]);
    assertEquals(
      Deno.readTextFileSync(`${t.dir}/cc.mnt`).trim(),
      Deno.readLinkSync(`/proc/${pid}/ns/mnt`),
    );
    assertEquals(Deno.readTextFileSync(`${t.dir}/cc.order`), "after\n");
    assertEquals((await t.runc("start", "hooks")).code, 0);
    assertEquals(read("poststart").status, "running");
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    const inside = JSON.parse(Deno.readTextFileSync(`${t.rootfs}/tmp/seen-by-process`));
    assertEquals([inside.id, inside.pid, inside.status], ["hooks", pid, "created"]);
    assertEquals(Deno.readTextFileSync(`${t.rootfs}/tmp/startContainer.env`), "in-container\n");
    assertEquals((await t.runc("delete", "--force", "hooks")).code, 0);
    assertEquals([read("poststop").status, read("poststop").id], ["stopped", "hooks"]);

    // A startContainer hook that fails: the container's process never runs.
    Deno.removeSync(`${t.rootfs}/tmp/seen-by-process`);
    spec.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "exit 4"] }] };
    t.writeSpec(spec);
    await t.create("failing");
    assertEquals((await t.runc("start", "failing")).code, 0);
    await eventually(async () => (await t.state("failing")).status === "stopped");
    let ran = true;
    try {
      Deno.statSync(`${t.rootfs}/tmp/seen-by-process`);
    } catch {
      ran = false;
    }
    assertEquals(ran, false);
    assertEquals((await t.runc("delete", "failing")).code, 0);

    spec.hooks = { prestart: [{ path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 3"] }] };
    t.writeSpec(spec);
    assertEquals((await t.runc("create", "--bundle", t.bundle, "hooks")).code, 1);
    assertStringIncludes(t.lastError(), "prestart hook /bin/sh: exit status 3: nope");
    assertEquals([...Deno.readDirSync(t.root)], []);
  });
});

/** `spec` with a new user namespace mapping 65536 IDs from 100000 (root inside is 100000 outside). */
function withUserNamespace(spec: Spec): Spec {
  spec.linux!.namespaces!.push({ type: "user" });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  return spec;
}

/** The inode of namespace `name` of `pid`, as `user:[4026531837]`. */
function nsOf(pid: number | "self", name: string): string {
  return Deno.readLinkSync(`/proc/${pid}/ns/${name}`);
}

Deno.test("runtime: a user namespace with linux.uidMappings/gidMappings; the others owned by it", async () => {
  const spec = withUserNamespace(defaultSpec("uns", ["sleep", "100"]));
  await withBundle(spec, async (t) => {
    // The mapped root must reach the bundle's root, as with runc.
    Deno.chmodSync(t.dir, 0o711);
    // The caller's environment must not reach an init a privileged container root could read.
    Deno.env.set("DGSH_TEST_CALLER_SECRET", "s3cret");
    let pid: number;
    try {
      pid = await t.create("uns");
    } finally {
      Deno.env.delete("DGSH_TEST_CALLER_SECRET");
    }
    const environ = Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0");
    assert(!environ.some((e) => e.startsWith("DGSH_TEST_CALLER_SECRET=")), environ.join(" "));
    // Nor its handles on Deno's caches, which root's next run would load.
    const fds = [...Deno.readDirSync(`/proc/${pid}/fd`)].map((e) => {
      try {
        return Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`);
      } catch {
        return "";
      }
    });
    assert(!fds.some((f) => f.includes("/.cache/deno")), fds.join(" "));
    const maps = (file: string) =>
      Deno.readTextFileSync(`/proc/${pid}/${file}`).trim().split(/\s+/).map(Number);
    assertEquals(maps("uid_map"), [0, 100000, 65536]);
    assertEquals(maps("gid_map"), [0, 100000, 65536]);
    assertNotEquals(nsOf(pid, "user"), nsOf("self", "user"));
    // Root inside is 100000 outside, with the spec's capabilities only.
    assertEquals(procStatus(pid, "Uid"), "100000\t100000\t100000\t100000");
    assertEquals(procStatus(pid, "Gid"), "100000\t100000\t100000\t100000");
    assertEquals(procStatus(pid, "CapEff"), "00000000000000eb");
    assertEquals((await t.runc("start", "uns")).code, 0, t.lastError());
    await eventually(sleeping(pid));
    // What unshare --keep-caps made ambient to start the init is gone from the command.
    assertEquals(procStatus(pid, "CapAmb"), "0000000000000000");
    assertEquals(procStatus(pid, "CapInh"), "0000000000000000");

    // exec joins it through nsenter(1): root inside, the same maps; /dev/null is the host's node.
    const inside = await t.runc(
      "exec",
      "uns",
      "sh",
      "-c",
      "id -u; id -g; cat /proc/self/uid_map; stat -c '%t:%T %u' /dev/null; " +
        "readlink /proc/self/ns/user",
    );
    assertEquals(inside.code, 0, t.lastError());
    const [uid, gid, map, nullDev, userNs] = inside.stdout.trim().split("\n").map((l) => l.trim());
    assertEquals([uid, gid], ["0", "0"]);
    assertEquals(map.split(/\s+/), ["0", "100000", "65536"]);
    // The host's root owns the node: unmapped, it shows as the overflow ID.
    assertEquals(nullDev, "1:3 65534");
    assertEquals(userNs, nsOf(pid, "user"));

    // The exec init was started through descriptors of this program's files: none is left open
    // in it (a command could otherwise chdir through /proc/<its parent>/fd to the host).
    const pidFile = `${t.dir}/exec.pid`;
    const running = t.runc("exec", "--pid-file", pidFile, "uns", "sleep", "3");
    await eventually(() => lstatOrUndefined(pidFile) !== undefined);
    const execInit = Number(procStatus(Number(Deno.readTextFileSync(pidFile)), "PPid"));
    const held = [...Deno.readDirSync(`/proc/${execInit}/fd`)].map((e) => {
      try {
        return Deno.readLinkSync(`/proc/${execInit}/fd/${e.name}`);
      } catch {
        return "";
      }
    });
    const main = new URL("../../main.ts", import.meta.url).pathname;
    for (const own of [Deno.realPathSync(Deno.execPath()), main.slice(0, main.lastIndexOf("/"))]) {
      assert(!held.includes(own), `${own} is open in the exec init: ${held.join(" ")}`);
    }
    assertEquals((await running).code, 0, t.lastError());

    assertEquals((await t.runc("kill", "uns", "KILL")).code, 0);
    await eventually(() => processStartTime(pid) === undefined);
    assertEquals((await t.runc("delete", "uns")).code, 0, t.lastError());
  });
});

Deno.test("runtime: run in a user namespace waits for its init and exits with its code", async () => {
  const spec = withUserNamespace(
    defaultSpec("unsrun", ["sh", "-c", 'test "$(id -u)" = 0 && exit 3']),
  );
  await withBundle(spec, async (t) => {
    Deno.chmodSync(t.dir, 0o711);
    const r = await t.runc("--debug", "run", "--bundle", t.bundle, "unsrun");
    assertEquals(r.code, 3, t.lastError());
    assertStringIncludes(r.stderr, "unshare --user --keep-caps");
    assertStringIncludes(r.stderr, "prctl(PR_SET_CHILD_SUBREAPER");
    assertStringIncludes(r.stderr, `setresuid(0)`);
  });
});

Deno.test("runtime: maps the kernel refuses fail the create in one line, with nothing left", async () => {
  const spec = withUserNamespace(defaultSpec("badmap", ["true"]));
  // Two ranges that overlap inside: the kernel refuses the write (EINVAL).
  spec.linux!.uidMappings!.push({ containerID: 10, hostID: 300000, size: 10 });
  const mark = `dgsh-badmap-${crypto.randomUUID()}`;
  await withBundle(spec, async (t) => {
    Deno.env.set("DGSH_TEST_MARK", mark);
    try {
      assertEquals((await t.runc("create", "--bundle", t.bundle, "badmap")).code, 1);
    } finally {
      Deno.env.delete("DGSH_TEST_MARK");
    }
    assertMatch(
      t.lastError(),
      /^linux\.uidMappings: the kernel refused them in \/proc\/\d+\/uid_map: EINVAL$/,
    );
    assertEquals([...Deno.readDirSync(t.root)].filter((e) => !e.name.startsWith("@")), []);
    // Neither the helper nor the init it forked lives on.
    await eventually(() => processesWithEnv(`DGSH_TEST_MARK=${mark}`).length === 0);
  });
});

/** PIDs of the processes whose environment holds `entry`. */
function processesWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const env = Deno.readTextFileSync(`/proc/${e.name}/environ`).split("\0");
      if (env.includes(entry)) out.push(Number(e.name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}
