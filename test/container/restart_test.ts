/**
 * `--restart` on the real kernel, each case from what Docker 20.10 did for
 * the same command: a foreground `run --restart on-failure:2` returns the
 * first exit (3) and the engine runs it twice more (RestartCount 2);
 * `kill` and `stop` end an `always` container for good (RestartCount 0);
 * `--rm` with a policy is refused. The back-off is checked by its lower
 * bounds only (100 ms, then 200, then 400 between runs).
 */

import { assert, assertEquals, assertNotEquals } from "../_assert.ts";
import { delay, eventually, withRoot } from "../_harness.ts";
import { alive, inspect, oneLine, started } from "./_lifecycle.ts";

Deno.test("--restart on-failure:N: restarted N times with a new PID each, then left exited", async () => {
  await withRoot(async (root) => {
    const dir = await Deno.makeTempDir({ prefix: "dgsh-restart-" });
    try {
      // Each run appends the kernel's uptime to a bound file: the runs are counted and timed
      // from what the container did, not from the engine's record.
      const fg = await root.run(
        "run",
        "--name",
        "rf-r1",
        "--restart",
        "on-failure:2",
        "-v",
        `${dir}:/out`,
        "busybox",
        "sh",
        "-c",
        "cut -d' ' -f1 /proc/uptime >> /out/times; exit 3",
      );
      // Docker: the foreground run returns the first exit code.
      assertEquals(fg.code, 3, fg.stderr);
      await eventually(async () => {
        const info = await inspect(root, "rf-r1");
        return info.RestartCount === 2 && info.State.Status === "exited";
      }, 10_000);
      // No third restart comes: 2 is the maximum (waited for longer than the next delay would be).
      await delay(1000);
      const info = await inspect(root, "rf-r1");
      assertEquals([info.RestartCount, info.State.ExitCode], [2, 3]);
      assertEquals(info.HostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 2 });
      const times = Deno.readTextFileSync(`${dir}/times`).trim().split("\n").map(Number);
      assertEquals(times.length, 3, "three runs");
      // Docker's back-off: at least 100 ms before the first restart, 200 ms before the second.
      assert(times[1] - times[0] >= 0.09, `first delay ${times[1] - times[0]}`);
      assert(times[2] - times[1] >= 0.19, `second delay ${times[2] - times[1]}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("--restart always: a new process after each exit; stop and kill end it for good", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run(
        "run",
        "-d",
        "--restart",
        "always",
        "busybox",
        "sh",
        "-c",
        "sleep 0.2; exit 1",
      ),
    );
    const first = root.store().get(id).state;
    await eventually(() => (root.store().get(id).restartCount ?? 0) >= 2, 10_000);
    await eventually(() => root.store().get(id).state.status === "running", 10_000);
    const later = root.store().get(id).state;
    assertNotEquals(later.pid, first.pid, "a restart is a new process");
    assert(Deno.readTextFileSync(`/proc/${later.pid}/cmdline`).startsWith("sh\0-c\0"));
    // Docker in the back-off: Status "restarting", Restarting and Running true, Pid 0, ExitCode 1;
    // ps "Restarting (1) Less than a second ago".
    let seen: Record<string, unknown> | undefined;
    await eventually(async () => {
      const st = (await inspect(root, id)).State;
      if (st.Status === "restarting") seen = st;
      return seen !== undefined;
    }, 10_000);
    assertEquals(
      [seen!.Restarting, seen!.Running, seen!.Pid, seen!.ExitCode],
      [true, true, 0, 1],
    );
    await eventually(
      async () => /Restarting \(1\) /.test((await root.run("ps", "-a")).stdout),
      10_000,
    );
    assertEquals((await root.run("stop", id)).code, 0);
    assertEquals((await inspect(root, id)).State.Status, "exited", "stop ends the back-off");
    const count = root.store().get(id).restartCount;
    await delay(1500);
    const after = await inspect(root, id);
    assertEquals(
      [after.State.Status, after.RestartCount],
      ["exited", count],
      "stopped by hand stays stopped",
    );

    // Docker 20.10: `kill` on an `always` container: RestartCount 0, exited; `start` brings it back.
    const k = started(
      await root.run("run", "-d", "--restart", "always", "busybox", "sleep", "100"),
    );
    assertEquals((await root.run("kill", k)).code, 0);
    await delay(1000);
    assertEquals([(await inspect(root, k)).State.Status, (await inspect(root, k)).RestartCount], [
      "exited",
      0,
    ]);
    assertEquals((await root.run("start", k)).code, 0);
    assertEquals((await inspect(root, k)).State.Status, "running");
  });
});

Deno.test("--restart: Docker's errors", async () => {
  await withRoot(async (root) => {
    const cases: Array<[string[], string]> = [
      // Docker 20.10 here: the CLI's check of the pair comes before the daemon's of the policy.
      [["--rm", "--restart", "always"], "dockergsh: Conflicting options: --restart and --rm."],
      [["--rm", "--restart", "bogus"], "dockergsh: Conflicting options: --restart and --rm."],
      [
        ["--restart", "bogus"],
        "dockergsh: Error response from daemon: invalid restart policy 'bogus'.",
      ],
      [["--restart", "on-failure:x"], "dockergsh: maximum retry count must be an integer."],
      [
        ["--restart", "always:3"],
        "dockergsh: Error response from daemon: maximum retry count cannot be used with restart policy 'always'.",
      ],
      [
        ["--restart", "on-failure:-1"],
        "dockergsh: Error response from daemon: maximum retry count cannot be negative.",
      ],
    ];
    for (const [flags, msg] of cases) {
      const r = await root.run("run", ...flags, "busybox", "true");
      assertEquals([r.code, r.stderr.trim()], [125, msg], flags.join(" "));
      oneLine(r, flags.join(" "));
    }
    assertEquals(root.store().ids(), []);
    // Docker accepts `--rm --restart no`; and `on-failure:0` means no limit.
    assertEquals((await root.run("run", "--rm", "--restart", "no", "busybox", "true")).code, 0);
    const id = started(await root.run("create", "--restart", "on-failure:0", "busybox", "true"));
    assertEquals((await inspect(root, id)).HostConfig.RestartPolicy, {
      Name: "on-failure",
      MaximumRetryCount: 0,
    });
  });
});

Deno.test("--restart: a stop during a policy restart's start waits for its run, then stops it", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run("run", "-d", "--restart", "always", "busybox", "sleep", "600"),
    );
    const { pid, pidStartTime } = root.store().get(id).state;
    // As the monitor holds it from its look at the stop mark until the new run is on record.
    const lockPath = `${root.dir}/locks/policy-restart-${id}.lock`;
    const lock = Deno.openSync(lockPath, { read: true, write: true, create: true, mode: 0o600 });
    lock.lockSync(true);
    const stopping = root.run("stop", "-t", "0", id);
    let stopped: Awaited<typeof stopping> | undefined;
    try {
      await delay(700); // a stop that ignored the lock would have finished by now
      stopping.then((r) => stopped = r);
      await delay(0);
      assertEquals(stopped, undefined, "the stop went on while a restart held the lock");
      assert(alive(pid, pidStartTime), "the run was stopped before the lock was free");
      assertEquals(root.store().get(id).manuallyStopped, undefined);
    } finally {
      lock.close();
    }
    const r = await stopping;
    assertEquals(r.code, 0, r.stderr);
    const after = root.store().get(id);
    assertEquals([after.state.status, after.manuallyStopped], ["exited", true]);
    assert(!alive(pid, pidStartTime));
  });
});
