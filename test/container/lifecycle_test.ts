/**
 * The container lifecycle on the real kernel: ps, logs, stop, start,
 * restart, rm and inspect, each read back from what the kernel did
 * (/proc, mountinfo, cgroupfs), not from what the CLI printed alone.
 */

import { processStartTime } from "../../src/process/proc.ts";
import { BitmapIpam } from "../../src/network/ipam.ts";
import { NetworkStore } from "../../src/network/network_store.ts";
import { StateRoot } from "../../src/store/paths.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { delay, eventually, MAIN, mountsUnder, type TestRoot, withRoot } from "../_harness.ts";
import {
  alive,
  hostPidsRunning,
  inspect,
  monitorPid,
  NEVER,
  oneLine,
  started,
} from "./_lifecycle.ts";

/** The `ps [-a]` row of the container named `name`. */
async function psRow(root: TestRoot, name: string, all = true): Promise<string | undefined> {
  const r = await root.run("ps", ...(all ? ["-a"] : []));
  assertEquals(r.code, 0, r.stderr);
  return r.stdout.split("\n").slice(1).find((l) => l.trimEnd().endsWith(`   ${name}`));
}

Deno.test("ps: a container whose process exits on its own shows as exited, foreground and detached", async () => {
  await withRoot(async (root) => {
    const fg = await root.run("run", "--name", "fg", "busybox", "sh", "-c", "exit 4");
    assertEquals(fg.code, 4);
    assertMatch((await psRow(root, "fg"))!, /Exited \(4\) (Less than a second|\d+ seconds?) ago/);

    const id = started(
      await root.run("run", "-d", "--name", "d5", "busybox", "sh", "-c", "exit 5"),
    );
    await eventually(async () => /Exited \(5\)/.test((await psRow(root, "d5")) ?? ""));
    const s = (await inspect(root, "d5")).State;
    assertEquals([s.Status, s.Running, s.Pid, s.ExitCode, s.OOMKilled], [
      "exited",
      false,
      0,
      5,
      false,
    ]);
    assert(Date.parse(s.FinishedAt) >= Date.parse(s.StartedAt), `${s.StartedAt} ${s.FinishedAt}`);
    assert(Date.now() - Date.parse(s.FinishedAt) < 30_000, s.FinishedAt);
    assertEquals(s.Error, "");

    // Running, then gone from `ps` (not from `ps -a`) once it exits by itself.
    const slow = started(
      await root.run("run", "-d", "--name", "slow", "busybox", "sh", "-c", "sleep 1; exit 6"),
    );
    assertMatch((await psRow(root, "slow", false))!, /Up (Less than a second|1 second)/);
    const pid = root.store().get(slow).state.pid;
    await eventually(() => processStartTime(pid) === undefined, 5000);
    assertEquals(await psRow(root, "slow", false), undefined);
    await eventually(async () => /Exited \(6\)/.test((await psRow(root, "slow")) ?? ""));
    const q = await root.run("ps", "-aq");
    assertEquals(
      q.stdout.trim().split("\n").sort(),
      [id, slow, root.store().resolve("fg").id].map((x) => x.slice(0, 12)).sort(),
    );
    const full = await root.run("ps", "-a", "--no-trunc");
    assertStringIncludes(full.stdout, id);
    assertStringIncludes(full.stdout, `"sh -c 'sleep 1; exit 6'"`);
  });
});

Deno.test("ps: the container outlives a killed monitor and its exit is shown as unknown", async () => {
  await withRoot(async (root) => {
    const id = started(await root.run("run", "-d", "--name", "orphan", "busybox", "sleep", "30"));
    const { pid, pidStartTime } = root.store().get(id).state;
    const monitor = monitorPid(root);
    assert(monitor !== undefined, "a monitor serves the root");
    const monitorStart = processStartTime(monitor)!;
    Deno.kill(monitor, "SIGKILL");
    await eventually(() => processStartTime(monitor) !== monitorStart);
    await delay(300);
    assert(alive(pid, pidStartTime), "the container runs on without its monitor");
    assertMatch((await psRow(root, "orphan", false))!, /Up /);

    Deno.kill(pid, "SIGKILL"); // from the host: nobody left to learn the code
    await eventually(() => !alive(pid, pidStartTime));
    const row = (await psRow(root, "orphan"))!;
    assertMatch(row, /Exited \(unknown\) (Less than a second|\d+ seconds?) ago/);
    const s = (await inspect(root, "orphan")).State;
    assertEquals([s.Status, s.Running, s.Pid, s.ExitCode], ["exited", false, 0, -1]);
    assertStringIncludes(s.Error, "unknown");
    assert(s.FinishedAt !== NEVER);

    // A new detached run gets a new monitor, and its code is known again.
    const again = await root.run("start", "orphan");
    assertEquals(again.code, 0, again.stderr);
    const stop = await root.run("stop", "-t", "0", "orphan");
    assertEquals(stop.code, 0, stop.stderr);
    assertEquals((await inspect(root, "orphan")).State.ExitCode, 137);
  });
});

Deno.test("an exit nobody watched: stop and start free what the dead run held", async () => {
  await withRoot(async (root) => {
    const net = await root.run("network", "create", "--subnet", "10.213.91.0/24", "lcnet");
    assertEquals(net.code, 0, net.stderr);
    const state = new StateRoot(root.dir);
    const ipam = new BitmapIpam(state, new NetworkStore(state).get("lcnet")!);
    const id = started(
      await root.run("run", "-d", "--net", "lcnet", "--name", "orph", "busybox", "sleep", "60"),
    );
    const orphan = async () => {
      const monitor = monitorPid(root)!;
      Deno.kill(monitor, "SIGKILL");
      await eventually(() => processStartTime(monitor) === undefined);
      return root.store().get(id).state;
    };
    let s = await orphan();
    Deno.kill(s.pid, "SIGKILL");
    await eventually(() => !alive(s.pid, s.pidStartTime));
    assertEquals(root.store().get(id).state.exitCode, null);
    // Started again: one address, the new run's; the dead run's is not kept.
    assertEquals((await root.run("start", "orph")).code, 0);
    const ip = (await inspect(root, "orph")).NetworkSettings.IPAddress;
    assertEquals(ipam.allocated(), [ip]);
    const cgroups = containerCgroupDirs(root.store().get(id).state.pid, id);
    assert(cgroups.length > 0);

    s = await orphan();
    const stop = await root.run("stop", "-t", "0", "orph");
    assertEquals(stop.code, 0, stop.stderr);
    assertEquals((await inspect(root, "orph")).State.ExitCode, -1);
    assertEquals(ipam.allocated(), [], "stop released the address");
    for (const dir of cgroups) assertEquals(exists(dir), false, `${dir} removed by stop`);
  });
});

Deno.test("start right after an exit the monitor has not yet reaped: the new run keeps its endpoint", async () => {
  await withRoot(async (root) => {
    const net = await root.run("network", "create", "--subnet", "10.213.92.0/24", "reapnet");
    assertEquals(net.code, 0, net.stderr);
    const state = new StateRoot(root.dir);
    const ipam = new BitmapIpam(state, new NetworkStore(state).get("reapnet")!);
    // The first run exits at once; the next ones stay.
    const id = started(
      await root.run(
        "run",
        "-d",
        "--net",
        "reapnet",
        "--name",
        "reap",
        "busybox",
        "sh",
        "-c",
        "[ -e /again ] && exec sleep 60; touch /again; sleep 0.5",
      ),
    );
    const { pid } = root.store().get(id).state;
    const monitor = monitorPid(root)!;
    Deno.kill(monitor, "SIGSTOP"); // it cannot reap the container until SIGCONT
    try {
      await eventually(() => processStartTime(pid) === undefined); // a zombie now
      assertMatch((await psRow(root, "reap"))!, /Exited \(unknown\)/);
      const start = root.run("start", "reap");
      await delay(300); // the request waits in the socket's queue
      Deno.kill(monitor, "SIGCONT");
      assertEquals((await start).code, 0);
    } finally {
      Deno.kill(monitor, "SIGCONT");
    }
    await delay(500); // a late release would have happened by now
    const rec = root.store().get(id);
    assertEquals(rec.state.status, "running");
    assert(rec.endpoint, "the new run has its endpoint");
    assertEquals(ipam.allocated(), [rec.endpoint.ipAddress]);
    const link = await new Deno.Command("ip", { args: ["link", "show", rec.endpoint.hostVeth] })
      .output();
    assertEquals(link.code, 0, `host veth ${rec.endpoint.hostVeth} exists`);
    const ping = await root.run("exec", "reap", "ip", "-o", "-4", "addr", "show", "eth0");
    assertStringIncludes(ping.stdout, rec.endpoint.ipAddress);
  });
});

Deno.test("ps: a recycled PID is never taken for the container", async () => {
  await withRoot(async (root) => {
    const created = await root.run("create", "--name", "ghost", "busybox", "sleep", "30");
    assertEquals(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    const stranger = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      const startTime = processStartTime(stranger.pid)!;
      const pretend = (pidStartTime: number) => {
        const rec = root.store().load(id)!;
        root.store().save({
          ...rec,
          state: {
            ...rec.state,
            status: "running",
            pid: stranger.pid,
            pidStartTime,
            startedAt: new Date().toISOString(),
          },
        });
      };
      // Control: the right start time makes it the container's process.
      pretend(startTime);
      assertMatch((await psRow(root, "ghost", false))!, /Up /);
      // The same PID with another start time is someone else's: the container has exited.
      pretend(startTime + 1);
      assertEquals(await psRow(root, "ghost", false), undefined);
      assertMatch((await psRow(root, "ghost"))!, /Exited \(unknown\)/);
      assertEquals(root.store().load(id)!.state.status, "exited", "reconciled on disk");
      // Nothing runs in the stranger's namespaces on the container's behalf.
      pretend(startTime + 1);
      const marker = `${root.dir}/exec-ran-on-host`;
      const exec = await root.run("exec", "ghost", "touch", marker);
      assertEquals(exec.code, 1);
      assertMatch(exec.stderr, /is not running\n$/);
      assertEquals(exists(marker), false);
      // Nothing aims a signal at the stranger on the container's behalf.
      pretend(startTime + 1);
      for (const args of [["stop", "-t", "0", "ghost"], ["rm", "-f", "ghost"]]) {
        const r = await root.run(...args);
        assertEquals(r.code, 0, r.stderr);
      }
      assertEquals(root.store().ids(), []);
      assert(alive(stranger.pid, startTime), "the unrelated process was not signalled");
    } finally {
      stranger.kill("SIGKILL");
      await stranger.status;
    }
  });
});

/** Whether `pid` has a handler for SIGTERM (bit 15 of SigCgt in /proc/<pid>/status). */
function catchesTerm(pid: number): boolean {
  const mask = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^SigCgt:\s+([0-9a-f]+)$/m)![1];
  return (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
}

Deno.test("stop: PID 1 without a TERM handler dies by SIGKILL after -t; with one, by its handler", async () => {
  await withRoot(async (root) => {
    // sleep and tail install no handler; busybox top does (it restores the terminal).
    const cmds: Record<string, string[]> = {
      sl: ["sleep", "60"],
      tl: ["tail", "-f", "/dev/null"],
      tp: ["top"],
    };
    const states = new Map<string, { pid: number; pidStartTime: number }>();
    for (const [name, cmd] of Object.entries(cmds)) {
      const id = started(await root.run("run", "-d", "--name", name, "busybox", ...cmd));
      states.set(name, root.store().get(id).state);
    }
    const handles = (name: string) => catchesTerm(states.get(name)!.pid);
    await eventually(() => handles("tp")); // top installs it once running
    assertEquals([handles("sl"), handles("tl")], [false, false]);

    const t0 = performance.now();
    const stop = await root.run("stop", "-t", "1", "sl", "tl", "tp");
    const took = performance.now() - t0;
    assertEquals(stop.code, 0, stop.stderr);
    assertEquals(stop.stdout, "sl\ntl\ntp\n", "in the order given, though tp ended first");
    assert(took >= 1000 && took < 4000, `stop -t 1 took ${took} ms`);
    for (const [name, s] of states) {
      assert(!alive(s.pid, s.pidStartTime), `${name}: pid ${s.pid} is gone`);
      const code = name === "tp" ? 143 : 137; // 128 + SIGTERM, 128 + SIGKILL
      const st = (await inspect(root, name)).State;
      assertEquals([st.Status, st.ExitCode, st.Pid], ["exited", code, 0], name);
      assertMatch((await psRow(root, name))!, new RegExp(`Exited \\(${code}\\)`));
    }

    started(
      await root.run(
        "run",
        "-d",
        "--name",
        "trap",
        "busybox",
        "sh",
        "-c",
        "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done",
      ),
    );
    await eventually(async () => (await root.run("logs", "trap")).stdout === "ready\n");
    const t1 = performance.now();
    const polite = await root.run("stop", "trap");
    assertEquals(polite.code, 0, polite.stderr);
    assert(performance.now() - t1 < 3000, "the TERM trap ended it, not the 10 s SIGKILL");
    assertEquals((await inspect(root, "trap")).State.ExitCode, 7);

    // Stopping what is not running changes nothing and succeeds, as Docker's.
    const before = root.store().resolve("trap");
    const again = await root.run("stop", "trap");
    assertEquals([again.code, again.stdout], [0, "trap\n"], again.stderr);
    assertEquals(root.store().resolve("trap"), before);
  });
});

Deno.test("logs: all, --tail, -t timestamps, and -f until the container exits", async () => {
  await withRoot(async (root) => {
    const t0 = new Date();
    started(
      await root.run(
        "run",
        "-d",
        "--name",
        "talk",
        "busybox",
        "sh",
        "-c",
        "for i in 1 2 3; do echo out$i; done; echo err >&2",
      ),
    );
    await eventually(async () => /Exited \(0\)/.test((await psRow(root, "talk")) ?? ""));
    const all = await root.run("logs", "talk");
    // As Docker: the container's stderr lines go to stderr.
    assertEquals([all.code, all.stdout, all.stderr], [0, "out1\nout2\nout3\n", "err\n"]);
    const two = await root.run("logs", "--tail", "2", "talk");
    assertEquals([two.stdout, two.stderr], ["out3\n", "err\n"]);
    assertEquals((await root.run("logs", "-n", "0", "talk")).stdout, "");
    assertEquals((await root.run("logs", "--tail", "all", "talk")).stdout, all.stdout);
    // Docker 20.10: a --tail that is no integer ("x", "1.5") shows everything; "+1" is 1.
    assertEquals((await root.run("logs", "--tail", "x", "talk")).stdout, all.stdout);
    assertEquals((await root.run("logs", "--tail", "1.5", "talk")).stdout, all.stdout);
    const [plusOne, one] = [
      await root.run("logs", "--tail", "+1", "talk"),
      await root.run("logs", "--tail", "1", "talk"),
    ];
    assertEquals([plusOne.stdout, plusOne.stderr], [one.stdout, one.stderr]);
    assertEquals((one.stdout + one.stderr).split("\n").length, 2, "one line");
    const stamped = await root.run("logs", "-t", "--tail", "3", "talk");
    const lines = (stamped.stdout + stamped.stderr).trimEnd().split("\n");
    assertEquals(lines.length, 3);
    for (const [i, line] of lines.entries()) {
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)$/.exec(line);
      assert(m, `RFC 3339 with nanoseconds: ${line}`);
      assertEquals(m[2], ["out2", "out3", "err"][i]);
      const t = Date.parse(m[1].replace(/(\.\d{3})\d{6}Z$/, "$1Z"));
      assert(t >= t0.getTime() - 1000 && t <= Date.now(), `plausible time ${m[1]}`);
    }
    // -f of an exited container prints what is there and returns at once.
    const done = await root.run("logs", "-f", "talk");
    assertEquals([done.stdout, done.stderr], [all.stdout, all.stderr]);

    started(
      await root.run(
        "run",
        "-d",
        "--name",
        "tick",
        "busybox",
        "sh",
        "-c",
        "echo a; sleep 1; echo b; sleep 1; echo c",
      ),
    );
    const t1 = performance.now();
    const follow = await root.run("logs", "-f", "tick");
    const took = performance.now() - t1;
    assertEquals([follow.code, follow.stdout], [0, "a\nb\nc\n"], follow.stderr);
    assert(took > 1500 && took < 5000, `followed for ${took} ms`);
    assertEquals(root.store().resolve("tick").state.status, "exited");
  });
});

Deno.test("logs -f: Ctrl-C stops following only; removing the container ends it", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run(
        "run",
        "-d",
        "--name",
        "chat",
        "busybox",
        "sh",
        "-c",
        "while :; do echo hi; sleep 0.1; done",
      ),
    );
    const { pid, pidStartTime } = root.store().get(id).state;
    const follow = () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", MAIN, "--root", root.dir, "logs", "-f", "chat"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
    const seen = async (child: Deno.ChildProcess) => {
      const reader = child.stdout.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      return new TextDecoder().decode(value);
    };
    const interrupted = follow();
    assertStringIncludes(await seen(interrupted), "hi\n");
    interrupted.kill("SIGINT");
    const status = await interrupted.status;
    assert(status.signal === "SIGINT" || status.code === 130, JSON.stringify(status));
    await interrupted.stdout.cancel();
    assert(alive(pid, pidStartTime), "the container runs on");
    assertEquals(root.store().get(id).state.status, "running");

    const ended = follow();
    assertStringIncludes(await seen(ended), "hi\n");
    assertEquals((await root.run("rm", "-f", "chat")).code, 0);
    // Read to EOF (not cancelled: a closed pipe would end `logs` for another reason).
    await ended.stdout.pipeTo(new WritableStream());
    assertEquals((await ended.status).code, 0);
  });
});

Deno.test("stop of a foreground container: its run exits 137 and stop returns with the code on record", async () => {
  await withRoot(async (root) => {
    const fg = root.run("run", "--name", "fore", "busybox", "sleep", "60");
    await eventually(() => root.store().list().some((c) => c.state.status === "running"));
    const stop = await root.run("stop", "-t", "1", "fore");
    assertEquals(stop.code, 0, stop.stderr);
    const s = (await inspect(root, "fore")).State;
    assertEquals([s.Status, s.ExitCode], ["exited", 137]);
    assertEquals((await fg).code, 137);
  });
});

Deno.test("start and restart keep the container's upper layer and record each run", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run(
        "run",
        "-d",
        "--name",
        "keep",
        "busybox",
        "sh",
        "-c",
        "[ -e /kept ] && echo again || echo first; echo x >> /kept; exec sleep 60",
      ),
    );
    const first = root.store().get(id).state;
    await eventually(async () => (await root.run("logs", "keep")).stdout === "first\n");
    assertEquals((await root.run("stop", "-t", "0", "keep")).code, 0);
    assertEquals((await inspect(root, "keep")).State.ExitCode, 137);

    const start = await root.run("start", "keep");
    assertEquals([start.code, start.stdout], [0, "keep\n"], start.stderr);
    const second = root.store().get(id).state;
    assertEquals(second.status, "running");
    assert(second.pid !== first.pid && alive(second.pid, second.pidStartTime));
    assert(second.startedAt > first.startedAt);
    assertEquals(second.finishedAt, NEVER);
    await eventually(async () => (await root.run("logs", "keep")).stdout === "first\nagain\n");
    const kept = await root.run("exec", "keep", "cat", "/kept");
    assertEquals(kept.stdout, "x\nx\n");
    // Starting a running container is a no-op success.
    const noop = await root.run("start", "keep");
    assertEquals([noop.code, noop.stdout], [0, "keep\n"]);
    assertEquals(root.store().get(id).state, second);

    const restart = await root.run("restart", "-t", "1", "keep");
    assertEquals([restart.code, restart.stdout], [0, "keep\n"], restart.stderr);
    assert(!alive(second.pid, second.pidStartTime), "the old process is gone");
    const third = root.store().get(id).state;
    assertEquals(third.status, "running");
    assert(third.pid !== second.pid && alive(third.pid, third.pidStartTime));
    assertEquals((await root.run("exec", "keep", "cat", "/kept")).stdout, "x\nx\nx\n");

    // restart of an exited container starts it.
    assertEquals((await root.run("stop", "-t", "0", "keep")).code, 0);
    assertEquals((await root.run("restart", "keep")).code, 0);
    assertEquals(root.store().get(id).state.status, "running");
  });
});

/** Where the cgroups of `pid` (those named after container `id`) are in cgroupfs. */
function containerCgroupDirs(pid: number, id: string): string[] {
  const v2 = (() => {
    try {
      return Deno.statSync("/sys/fs/cgroup/unified").isDirectory
        ? "/sys/fs/cgroup/unified"
        : "/sys/fs/cgroup";
    } catch {
      return "/sys/fs/cgroup";
    }
  })();
  return Deno.readTextFileSync(`/proc/${pid}/cgroup`).trim().split("\n")
    .map((l) => /^\d+:([^:]*):(.*)$/.exec(l)!)
    .filter(([, , path]) => path.includes(id))
    .map(([, ctl, path]) => `${ctl ? `/sys/fs/cgroup/${ctl.replace(/^name=/, "")}` : v2}${path}`);
}

Deno.test("start: concurrent starts of one container start it once, and all succeed", async () => {
  await withRoot(async (root) => {
    const made = await root.run("create", "--name", "once", "busybox", "sleep", "61.5");
    assertEquals(made.code, 0, made.stderr);
    const starts = await Promise.all([1, 2, 3].map(() => root.run("start", "once")));
    for (const r of starts) assertEquals([r.code, r.stdout, r.stderr], [0, "once\n", ""]);
    const { pid, pidStartTime } = root.store().resolve("once").state;
    assert(alive(pid, pidStartTime));
    assertEquals(hostPidsRunning(["sleep", "61.5"]), [pid]);
  });
});

Deno.test("--rm: restart keeps the container (as Docker's), stop removes it", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run("run", "-d", "--rm", "--name", "tmp", "busybox", "sleep", "60"),
    );
    const first = root.store().get(id).state;
    const restart = await root.run("restart", "-t", "0", "tmp");
    assertEquals([restart.code, restart.stdout], [0, "tmp\n"], restart.stderr);
    assert(!alive(first.pid, first.pidStartTime));
    const second = root.store().get(id).state;
    assertEquals(second.status, "running");
    assert(alive(second.pid, second.pidStartTime));
    await delay(300); // a late removal would show by now
    assertEquals(root.store().ids(), [id]);

    const stop = await root.run("stop", "-t", "0", "tmp");
    assertEquals(stop.code, 0, stop.stderr);
    // The monitor removes it: gone from the list at once, its directory once the "destroy" event is out.
    await eventually(() => root.store().ids().length === 0);
    await eventually(() =>
      Deno.readTextFileSync(`${root.dir}/events/events.log`).includes(`"destroy","id":"${id}"`)
    );
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
    assertEquals(mountsUnder(root.dir), []);
  });
});

Deno.test("rm: refuses a running container; -f leaves no process, record, mount, cgroup, veth, address or port rule", async () => {
  await withRoot(async (root) => {
    const id = started(await root.run("run", "-d", "--name", "busy", "busybox", "sleep", "60"));
    const { pid, pidStartTime } = root.store().get(id).state;
    const cgroups = containerCgroupDirs(pid, id);
    assert(cgroups.length > 0, "the container has cgroups of its own");
    for (const dir of cgroups) assert(Deno.statSync(dir).isDirectory, dir);

    const refused = await root.run("rm", "busy");
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.stderr, "You cannot remove a running container");
    oneLine(refused, "rm running");
    assert(alive(pid, pidStartTime));
    assertEquals(root.store().ids(), [id]);

    const forced = await root.run("rm", "-f", "busy");
    assertEquals([forced.code, forced.stdout], [0, "busy\n"], forced.stderr);
    assert(!alive(pid, pidStartTime), "process gone");
    assertEquals(root.store().ids(), []);
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
    assertEquals(mountsUnder(root.dir), []);
    assertEquals(mountsUnder(id), []);
    for (const dir of cgroups) assertEquals(exists(dir), false, `cgroup ${dir} removed`);

    // On a network with a published port: its veth, address and port rules go too.
    assertEquals(
      (await root.run("network", "create", "--subnet", "10.213.93.0/24", "rmnet")).code,
      0,
    );
    const state = new StateRoot(root.dir);
    const ipam = new BitmapIpam(state, new NetworkStore(state).get("rmnet")!);
    const nid = started(
      await root.run(
        "run",
        "-d",
        "--net",
        "rmnet",
        "-p",
        "127.0.0.1:18093:80",
        "--name",
        "netbusy",
        "busybox",
        "sleep",
        "60",
      ),
    );
    const endpoint = root.store().get(nid).endpoint!;
    const rules = async () => {
      const out = await new Deno.Command("iptables-save").output();
      return new TextDecoder().decode(out.stdout).split("\n").filter((l) =>
        l.includes(nid.slice(0, 12))
      );
    };
    assert((await rules()).length > 0, "the port is published");
    assertEquals((await root.run("rm", "-f", "netbusy")).code, 0);
    assertEquals(ipam.allocated(), []);
    assertEquals(await rules(), []);
    const link = await new Deno.Command("ip", {
      args: ["link", "show", endpoint.hostVeth],
      stderr: "null",
    })
      .output();
    assert(link.code !== 0, `veth ${endpoint.hostVeth} removed`);
    // The event log keeps its history (create … destroy), as Docker's events do.
    const mentions = await new Deno.Command("grep", {
      args: ["-rl", "--exclude-dir=events", nid, root.dir],
    }).output();
    assertEquals(new TextDecoder().decode(mentions.stdout), "", "no file mentions the container");
    for (const walk of Deno.readDirSync(`${root.dir}/locks`)) {
      assert(!walk.name.includes(nid), `lock ${walk.name} left`);
    }

    // Several at once: each handled, the missing one reported, exit 1.
    const a = started(await root.run("run", "-d", "busybox", "true"));
    await eventually(() => root.store().get(a).state.status === "exited");
    const mixed = await root.run("rm", a.slice(0, 12), "nosuch");
    assertEquals(mixed.code, 1);
    assertEquals(mixed.stdout, `${a.slice(0, 12)}\n`);
    // Docker 20.10's rm words a missing container this way.
    assertEquals(mixed.stderr, "Error: No such container: nosuch\n");
    assertEquals(root.store().ids(), []);
  });
});

Deno.test("inspect: Docker's key names, --format, images", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run(
        "run",
        "-d",
        "--name",
        "ins",
        "-h",
        "inner",
        "-e",
        "FOO=bar",
        "-w",
        "/srv",
        "-m",
        "64m",
        "-v",
        `${root.dir}/vol:/data:ro`,
        "busybox",
        "sleep",
        "60",
      ),
    );
    const c = await inspect(root, "ins");
    const { pid } = root.store().get(id).state;
    assertEquals(c.Id, id);
    assertEquals(c.Name, "/ins");
    assertEquals([c.Path, c.Args], ["sleep", ["60"]]);
    assert(Date.parse(c.Created) > 0);
    assertEquals(c.State.Status, "running");
    assertEquals(c.State.Running, true);
    assertEquals(c.State.Pid, pid);
    assertEquals(c.State.ExitCode, 0);
    assertEquals(c.State.OOMKilled, false);
    assert(Date.parse(c.State.StartedAt) > 0);
    assertEquals(c.State.FinishedAt, NEVER);
    assertEquals(c.Config.Hostname, "inner");
    assert(c.Config.Env.includes("FOO=bar"), c.Config.Env);
    assertEquals(c.Config.Cmd, ["sleep", "60"]);
    assertEquals(c.Config.Image, "busybox");
    assertEquals(c.Config.WorkingDir, "/srv");
    assertEquals(c.HostConfig.Memory, 64 * 1024 * 1024);
    assertEquals(c.HostConfig.Binds, [`${root.dir}/vol:/data:ro`]);
    for (const k of ["NanoCpus", "CpuShares", "CpusetCpus"]) assert(k in c.HostConfig, k);
    assertEquals(c.Mounts.length, 1);
    assertEquals(
      [c.Mounts[0].Type, c.Mounts[0].Source, c.Mounts[0].Destination, c.Mounts[0].RW],
      ["bind", `${root.dir}/vol`, "/data", false],
    );
    const g = c.GraphDriver.Data;
    for (const dir of [g.LowerDir, g.UpperDir, g.WorkDir]) {
      assert(Deno.statSync(dir).isDirectory, dir);
    }
    assertStringIncludes(g.MergedDir, id);
    assert("NetworkSettings" in c);
    // The kernel agrees: that PID is the container's sleep, with that hostname.
    assertEquals(Deno.readTextFileSync(`/proc/${pid}/cmdline`), "sleep\u000060\u0000");

    const f = await root.run(
      "inspect",
      "--format",
      "{{.State.Pid}} {{.Name}} {{.Config.WorkingDir}}",
      "ins",
    );
    assertEquals([f.code, f.stdout], [0, `${pid} /ins /srv\n`], f.stderr);
    const two = await root.run("inspect", "-f", "{{.Id}}", "ins", id.slice(0, 8));
    assertEquals(two.stdout, `${id}\n${id}\n`);

    const img = await root.run("inspect", "busybox");
    assertEquals(img.code, 0, img.stderr);
    const [image] = JSON.parse(img.stdout);
    assertMatch(image.Id, /^sha256:[0-9a-f]{64}$/);
    assert(image.RepoTags.includes("busybox:latest"), image.RepoTags);
    assertEquals(c.Image, image.Id);
    assertEquals(
      (await root.run("inspect", "--type", "image", "-f", "{{.Id}}", "busybox")).stdout,
      `${image.Id}\n`,
    );

    const missing = await root.run("inspect", "ins", "nosuch");
    assertEquals(missing.code, 1);
    assertEquals(JSON.parse(missing.stdout).length, 1);
    assertEquals(missing.stderr, "Error: No such object: nosuch\n");
  });
});

Deno.test("references: full name, ID prefix; an ambiguous prefix says so and changes nothing", async () => {
  await withRoot(async (root) => {
    const made = await root.run("create", "--name", "one", "busybox", "true");
    assertEquals(made.code, 0, made.stderr);
    const id = made.stdout.trim();
    const store = root.store();
    // A second record that shares the first 6 characters of the ID.
    const twin = id.slice(0, 6) + [...id.slice(6)].map((c) => (c === "0" ? "1" : "0")).join("");
    const { name: _, ...rest } = store.load(id)!;
    store.create({ ...rest, id: twin }, "two");
    const prefix = id.slice(0, 6);
    const snapshot = () => store.ids().sort().map((i) => JSON.stringify(store.load(i)));
    const before = snapshot();
    for (
      const args of [
        ["inspect", prefix],
        ["rm", prefix],
        ["start", prefix],
        ["stop", prefix],
        ["logs", prefix],
        ["exec", prefix, "true"],
        ["commit", prefix, "x"],
      ]
    ) {
      const r = await root.run(...args);
      assert(r.code !== 0, args.join(" "));
      assertMatch(
        r.stderr,
        /multiple IDs found with provided prefix: [0-9a-f]{6}|ambiguous/i,
        args.join(" "),
      );
      oneLine(r, args.join(" "));
    }
    assertEquals(snapshot(), before);
    assertEquals((await root.run("inspect", "-f", "{{.Name}}", id.slice(0, 7))).stdout, "/one\n");
    assertEquals((await root.run("inspect", "-f", "{{.Name}}", twin)).stdout, "/two\n");
    assertEquals((await root.run("inspect", "-f", "{{.Id}}", "two")).stdout, `${twin}\n`);
    const unknown = await root.run("rm", "nosuch");
    assertEquals(unknown.stderr, "Error: No such container: nosuch\n");
    assertEquals(unknown.code, 1);
  });
});

/** Everything a refused command must leave as it was: records, images, scratch space, mounts. */
function stateSnapshot(root: TestRoot): string {
  const store = root.store();
  const list = (dir: string) => {
    try {
      return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    } catch {
      return [];
    }
  };
  return JSON.stringify({
    records: store.ids().sort().map((id) => store.load(id)),
    images: list(`${root.dir}/images`),
    repositories: Deno.readTextFileSync(`${root.dir}/images/repositories.json`),
    tmp: list(`${root.dir}/tmp`),
    mounts: mountsUnder(root.dir),
  });
}

Deno.test("bad inputs: one line on stderr, a non-zero exit, nothing changed", async () => {
  await withRoot(async (root) => {
    const up = started(await root.run("run", "-d", "--name", "up", "busybox", "sleep", "60"));
    started(await root.run("create", "--name", "cr", "busybox", "true"));
    const ex = started(await root.run("run", "-d", "--name", "ex", "busybox", "true"));
    await eventually(() => root.store().get(ex).state.exitCode === 0);
    const upState = root.store().get(up).state;
    const before = stateSnapshot(root);
    const cases: Array<[string[], number, RegExp]> = [
      [["ps", "--bogus"], 125, /unknown flag: --bogus/],
      // Docker's CLI looks the container up itself for logs, and words it so.
      [["logs", "nosuch"], 1, /^Error: No such container: nosuch$/],
      [["stop", "-t", "abc", "up"], 125, /invalid argument "abc" for "-t, --time" flag/],
      [["stop", "-t", "-5", "up"], 125, /invalid argument "-5"/],
      [["stop", "nosuch"], 1, /^Error response from daemon: No such container: nosuch$/],
      [["start", "nosuch"], 1, /No such container: nosuch/],
      [["restart", "-t", "x", "up"], 125, /invalid argument "x"/],
      [["restart", "nosuch"], 1, /No such container: nosuch/],
      [["rm", "nosuch"], 1, /No such container: nosuch/],
      [
        ["rm", "up"],
        1,
        /^Error response from daemon: You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove$/,
      ],
      [["commit", "nosuch", "img"], 1, /No such container: nosuch/],
      [["commit", "up", "Bad:Na:me"], 125, /invalid reference format/],
      // Docker 20.10: "Error response from daemon: from is not a valid change command", exit 1.
      [
        ["commit", "-c", "FROM scratch", "up", "img"],
        1,
        /^Error response from daemon: from is not a valid change command$/,
      ],
      // Docker 20.10 takes `CMD [bad` as the shell form; a bad port it refuses, exit 1.
      [
        ["commit", "-c", "EXPOSE x", "up", "img"],
        1,
        /^Error response from daemon: Invalid containerPort: x$/,
      ],
      [["exec", "nosuch", "true"], 1, /No such container: nosuch/],
      [
        ["exec", "-w", "rel", "up", "true"],
        125,
        /'rel' is invalid, it needs to be an absolute path/,
      ],
      [["exec", "-e", "=x", "up", "true"], 125, /invalid environment variable: =x/],
      [
        ["exec", "cr", "true"],
        1,
        /^Error response from daemon: Container [0-9a-f]{64} is not running$/,
      ],
      [["exec", "ex", "true"], 1, /is not running/],
      [["inspect", "nosuch"], 1, /^Error: No such object: nosuch$/],
      // Docker 20.10: exit 1.
      [["inspect", "--type", "bogus", "up"], 1, /^"bogus" is not a valid value for --type$/],
      // Docker 20.10: inspect's parse errors exit 64.
      [
        ["inspect", "--format", "{{.Bad", "up"],
        64,
        /^template parsing error: template: :1: unclosed action$/,
      ],
    ];
    // A wrong number of arguments: one line, with the usage in it.
    // Docker 20.10's sentences, exit 1.
    const usage: Array<[string[], RegExp]> = [
      [["ps", "-a", "extra"], /^"dockergsh ps" accepts no arguments\.$/],
      [["logs"], /^"dockergsh logs" requires exactly 1 argument\.$/],
      [["logs", "up", "cr"], /^"dockergsh logs" requires exactly 1 argument\.$/],
      [["exec", "up"], /^"dockergsh exec" requires at least 2 arguments\.$/],
      [["commit", "up", "a", "b"], /^"dockergsh commit" requires at most 2 arguments\.$/],
      [["stop"], /^"dockergsh stop" requires at least 1 argument\.$/],
    ];
    const check = async (args: string[], code: number, re: RegExp) => {
      const what = args.join(" ");
      const r = await root.run(...args);
      assertEquals(r.code, code, `${what}: ${r.stderr}`);
      assertMatch(r.stderr.trimEnd(), re, what);
      oneLine(r, what);
      assertEquals(stateSnapshot(root), before, `${what} changed the state`);
    };
    for (const [args, code, re] of cases) await check(args, code, re);
    for (const [args, re] of usage) await check(args, 1, re);
    assert(alive(upState.pid, upState.pidStartTime), "the running container was not touched");
  });
});

Deno.test("a record a crash left damaged (empty) is skipped: ps, run and create still work", async () => {
  await withRoot(async (root) => {
    const kept = await root.run("create", "--name", "lc-kept", "busybox", "true");
    assertEquals(kept.code, 0, kept.stderr);
    // What a power cut can leave of a record renamed in place before its data reached the disk.
    const damaged = "d".repeat(64);
    Deno.mkdirSync(`${root.dir}/containers/${damaged}`, { mode: 0o700 });
    Deno.writeTextFileSync(`${root.dir}/containers/${damaged}/config.json`, "");
    const ps = await root.run("ps", "-a", "--format", "{{.Names}}");
    assertEquals([ps.code, ps.stdout, ps.stderr], [0, "lc-kept\n", ""]);
    const run = await root.run("run", "--rm", "--net", "none", "busybox", "echo", "ok");
    assertEquals([run.code, run.stdout], [0, "ok\n"], run.stderr);
    const again = await root.run("create", "--name", "lc-other", "busybox", "true");
    assertEquals(again.code, 0, again.stderr);
  });
});

Deno.test("run -d -i: stdin a pipe held open, so cat runs on; without -i it reads end of file (as Docker)", async () => {
  await withRoot(async (root) => {
    // Docker 20.10 (the peer): `run -di busybox cat` stays up, its fd 0 a pipe; `run -d` exits 0.
    const held = await root.run(
      "run",
      "-d",
      "-i",
      "--net",
      "none",
      "--name",
      "lc-di",
      "busybox",
      "cat",
    );
    assertEquals(held.code, 0, held.stderr);
    const closed = await root.run("run", "-d", "--net", "none", "--name", "lc-d", "busybox", "cat");
    assertEquals(closed.code, 0, closed.stderr);
    await eventually(() => root.store().resolve("lc-d").state.status === "exited");
    await delay(500);
    const rec = root.store().resolve("lc-di");
    assertEquals(rec.state.status, "running");
    assertMatch(Deno.readLinkSync(`/proc/${rec.state.pid}/fd/0`), /^pipe:/);
    assertEquals(root.store().resolve("lc-d").state.exitCode, 0);
    assertEquals((await root.run("rm", "-f", "lc-di", "lc-d")).code, 0);
  });
});

Deno.test("start: waits for a start of the same container in another process", async () => {
  await withRoot(async (root) => {
    const id = (await root.run("create", "--name", "once", "busybox", "sleep", "600")).stdout
      .trim();
    // As a start in another process holds it, from its look at the state to the run on record.
    const lock = Deno.openSync(`${root.dir}/locks/start-${id}.lock`, {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
    lock.lockSync(true);
    const first = root.run("start", "once");
    try {
      await delay(700); // a start that ignored the lock would be running by now
      assertEquals(root.store().get(id).state.status, "created");
    } finally {
      lock.close();
    }
    assertEquals((await first).code, 0);
    const { pid, pidStartTime } = root.store().get(id).state;
    assert(alive(pid, pidStartTime));
  });
});
