/**
 * The runtime's lifecycle on the real kernel: create leaves the init
 * blocked on the exec FIFO (already in its cgroup and namespaces), start
 * releases it, kill and delete end it and leave nothing behind; errors
 * in runc's words on stderr and as JSON in the log.
 *
 * @module
 */

import { lstatOrUndefined } from "../../src/_fs.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { eventually } from "../_harness.ts";
import { cgroupDir, defaultSpec, procStatus, withBundle } from "./_bundle.ts";

const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`));
  } catch {
    return false;
  }
};

Deno.test("runtime: create blocks the init before the user's process; start, kill, delete", async () => {
  const spec = defaultSpec("life", ["sh", "-c", "echo started > /tmp/out; exec sleep 100"]);
  await withBundle(spec, async (t) => {
    const pid = await t.create("life");
    const created = await t.state("life");
    assertEquals(created.status, "created");
    assertEquals(created.pid, pid);
    assertEquals(created.bundle, Deno.realPathSync(t.bundle));
    // Blocked opening the FIFO: the user's command has not run.
    assertEquals(Deno.readTextFileSync(`/proc/${pid}/wchan`), "wait_for_partner");
    assertEquals(Deno.statSync(`${t.rootfs}/tmp`).isDirectory, true);
    assertEquals([...Deno.readDirSync(`${t.rootfs}/tmp`)].length, 0);
    // Already in its cgroup and its own namespaces, confined.
    const procs = Deno.readTextFileSync(`${cgroupDir("pids", "life")}/cgroup.procs`);
    assertEquals(procs.trim().split("\n").map(Number).includes(pid), true);
    for (const ns of ["pid", "net", "mnt", "uts", "ipc"]) {
      assert(
        Deno.readLinkSync(`/proc/${pid}/ns/${ns}`) !== Deno.readLinkSync(`/proc/self/ns/${ns}`),
        `${ns} namespace is the host's`,
      );
    }
    assertEquals(procStatus(pid, "NoNewPrivs"), "1");

    assertEquals((await t.runc("start", "life")).code, 0);
    assertEquals((await t.state("life")).status, "running");
    await eventually(() => {
      try {
        return Deno.readTextFileSync(`${t.rootfs}/tmp/out`) === "started\n";
      } catch {
        return false;
      }
    });
    const again = await t.runc("start", "life");
    assertEquals(again.code, 1);
    assertStringIncludes(again.stderr, "already running");

    const ps = await t.runc("ps", "--format", "json", "life");
    assertEquals(ps.stderr, "");
    assertEquals(JSON.parse(ps.stdout), [pid]);

    const refused = await t.runc("delete", "life");
    assertEquals(refused.code, 1);
    assertStringIncludes(t.lastError(), "not stopped");

    assertEquals((await t.runc("kill", "life", "KILL")).code, 0);
    await eventually(() => !alive(pid));
    assertEquals((await t.state("life")).status, "stopped");
    const late = await t.runc("kill", "life", "15");
    assertEquals(late.code, 1);
    assertStringIncludes(late.stderr, "container not running");

    assertEquals((await t.runc("delete", "life")).code, 0);
    assertEquals([...Deno.readDirSync(t.root)], []);
    let cgroupGone = false;
    try {
      Deno.statSync(cgroupDir("pids", "life"));
    } catch {
      cgroupGone = true;
    }
    assert(cgroupGone, "cgroup left behind");
  });
});

Deno.test("runtime: a missing container 'does not exist'; delete --force of one is quiet", async () => {
  await withBundle(defaultSpec("none", ["true"]), async (t) => {
    for (const args of [["state", "nope"], ["kill", "nope", "9"], ["delete", "nope"]]) {
      const r = await t.runc(...args);
      assertEquals(r.code, 1, args.join(" "));
      assertStringIncludes(r.stderr, "does not exist");
    }
    const line = t.lastErrorLine()!;
    assertEquals(line.level, "error");
    assertStringIncludes(line.msg, "does not exist");
    assertMatch(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const quiet = await t.runc("delete", "--force", "nope");
    assertEquals([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
    const bad = await t.runc("state", "../x");
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, "invalid container id");
  });
});

Deno.test("runtime: a create that fails midway leaves no state, cgroup or process", async () => {
  const spec = defaultSpec("fail", ["no-such-command"]);
  await withBundle(spec, async (t) => {
    const r = await t.runc("create", "--bundle", t.bundle, "fail");
    assertEquals(r.code, 1);
    assertStringIncludes(t.lastError(), "no-such-command");
    assertEquals([...Deno.readDirSync(t.root)], []);
    let gone = false;
    try {
      Deno.statSync(cgroupDir("pids", "fail"));
    } catch {
      gone = true;
    }
    assert(gone, "cgroup left behind");
  });
});

Deno.test("runtime: a user namespace's refusals are one line, before anything is made", async () => {
  const spec = defaultSpec("userns", ["true"]);
  spec.linux!.namespaces!.push({ type: "user" });
  await withBundle(spec, async (t) => {
    const refused = async (message: string) => {
      t.writeSpec(spec);
      assertEquals((await t.runc("create", "--bundle", t.bundle, "userns")).code, 1);
      assertStringIncludes(t.lastError(), message);
      assertEquals(lstatOrUndefined(`${t.root}/userns`), undefined);
    };
    await refused("linux.uidMappings and gidMappings are required");
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 0 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    await refused("is not valid");
    spec.linux!.namespaces!.pop();
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux!.namespaces!.push({ type: "user", path: "/proc/1/ns/user" });
    await refused("joining a user namespace by path is not supported");
  });
});

Deno.test("runtime: maps without a user namespace are ignored with a warning, as runc does", async () => {
  const spec = defaultSpec("maps", ["sh", "-c", "readlink /proc/self/ns/user"]);
  spec.linux!.uidMappings = [{ containerID: 1000, hostID: 0, size: 3200 }];
  await withBundle(spec, async (t) => {
    // --debug first: the run's stdio are then pipes.
    const r = await t.runc("--debug", "run", "--bundle", t.bundle, "maps");
    assertEquals(r.code, 0, t.lastError());
    assertEquals(r.stdout.trim(), Deno.readLinkSync("/proc/self/ns/user"));
    assertStringIncludes(r.stderr, "warning: linux.uidMappings/gidMappings ignored");
  });
});
