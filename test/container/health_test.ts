/**
 * `--health-*` on the real kernel, each case from what Docker 20.10 did
 * for the same command (the peer daemon): a probe that fails until the
 * container touches a file goes starting → unhealthy (2 failures, retries
 * 2) → healthy; a probe's stdout and stderr are kept; an overrunning one
 * is stopped and recorded as -1 "Health check exceeded timeout (1s)";
 * failures in the start period do not count; `ps` says "(healthy)".
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";
import { healthWhen, hostPidsRunning, inspect, started } from "./_lifecycle.ts";

const FAST = ["--health-interval", "1s", "--health-timeout", "1s"];

Deno.test("--health-cmd: starting, unhealthy after the retries, healthy once the probe passes", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run(
        "run",
        "-d",
        "--name",
        "rf-h1",
        "--health-cmd",
        "test -e /tmp/ok",
        ...FAST,
        "--health-retries",
        "2",
        "busybox",
        "sh",
        "-c",
        "sleep 2.5; touch /tmp/ok; sleep 100",
      ),
    );
    const first = await inspect(root, id);
    // Docker: {"Status":"starting","FailingStreak":0,"Log":[]}, and the Config it was given.
    assertEquals(first.State.Health, { Status: "starting", FailingStreak: 0, Log: [] });
    assertEquals(first.Config.Healthcheck, {
      Test: ["CMD-SHELL", "test -e /tmp/ok"],
      Interval: 1e9,
      Timeout: 1e9,
      Retries: 2,
    });
    assertMatch((await root.run("ps")).stdout, /Up .* \(health: starting\)\s+rf-h1/);
    const bad = await healthWhen(root, id, (h) => h?.Status === "unhealthy");
    assertEquals(bad.FailingStreak, 2);
    assertEquals(bad.Log.map((p: { ExitCode: number }) => p.ExitCode), [1, 1]);
    assertMatch((await root.run("ps")).stdout, /\(unhealthy\)\s+rf-h1/);
    const good = await healthWhen(root, id, (h) => h?.Status === "healthy");
    assertEquals([good.FailingStreak, good.Log.at(-1).ExitCode], [0, 0]);
    assertMatch((await root.run("ps")).stdout, /Up .* \(healthy\)\s+rf-h1/);
    // The probes ran one after another, an interval apart (Docker's ~1.1 s).
    const starts = good.Log.map((p: { Start: string }) => Date.parse(p.Start));
    for (let i = 1; i < starts.length; i++) assert(starts[i] - starts[i - 1] >= 1000);
  });
});

Deno.test("--health-cmd: output kept, an overrun stopped, the start period forgiven", async () => {
  await withRoot(async (root) => {
    const out = started(
      await root.run(
        "run",
        "-d",
        "--health-cmd",
        "echo out; echo err >&2; exit 2",
        ...FAST,
        "--health-retries",
        "1",
        "busybox",
        "sleep",
        "100",
      ),
    );
    const slow = started(
      // Only the first probe overruns: any `sleep 7` found later is one left running.
      await root.run(
        "run",
        "-d",
        "--health-cmd",
        "[ -e /tmp/p ] && exit 1; touch /tmp/p; sleep 7",
        ...FAST,
        "busybox",
        "sleep",
        "100",
      ),
    );
    const grace = started(
      await root.run(
        "run",
        "-d",
        "--health-cmd",
        "exit 1",
        ...FAST,
        "--health-retries",
        "1",
        "--health-start-period",
        "3s",
        "busybox",
        "sleep",
        "100",
      ),
    );
    // Docker: {"ExitCode":2,"Output":"out\nerr\n"}, unhealthy after one failure.
    const o = await healthWhen(root, out, (h) => h?.Log.length >= 1);
    assertEquals([o.Status, o.Log[0].ExitCode, o.Log[0].Output], ["unhealthy", 2, "out\nerr\n"]);

    const s = await healthWhen(root, slow, (h) => h?.Log.length >= 1);
    // Docker: {"Status":"starting","FailingStreak":1,"Log":[{"ExitCode":-1,"Output":"Health check exceeded timeout (1s)"}]}.
    assertEquals([s.Status, s.FailingStreak], ["starting", 1]);
    assertEquals([s.Log[0].ExitCode, s.Log[0].Output], [-1, "Health check exceeded timeout (1s)"]);
    // The overrunning probe was stopped, not left running in the container.
    assertEquals(hostPidsRunning(["sleep", "7"]), []);

    // Docker: within the 3 s start period the failures do not count (starting, streak 0) ...
    const g = (await inspect(root, grace)).State.Health;
    assertEquals([g.Status, g.FailingStreak], ["starting", 0]);
    assert(g.Log.length >= 1 && g.Log.every((p: { ExitCode: number }) => p.ExitCode === 1));
    // ... after it, one failure is enough (retries 1).
    await healthWhen(root, grace, (h) => h?.Status === "unhealthy");
  });
});

Deno.test("--health-*: Docker's errors; --no-healthcheck", async () => {
  await withRoot(async (root) => {
    const cases: Array<[string[], string]> = [
      [
        ["--health-interval", "x"],
        'invalid argument "x" for "--health-interval" flag: time: invalid duration "x"',
      ],
      [["--health-interval", "-1s"], "dockergsh: --health-interval cannot be negative."],
      [["--health-retries", "-1"], "dockergsh: --health-retries cannot be negative."],
      [
        ["--health-timeout", "0.5ms"],
        "dockergsh: Error response from daemon: Timeout in Healthcheck cannot be less than 1ms",
      ],
      [
        ["--health-retries", "x"],
        'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax',
      ],
      [
        ["--no-healthcheck", "--health-cmd", "true"],
        "dockergsh: --no-healthcheck conflicts with --health-* options.",
      ],
    ];
    for (const [flags, msg] of cases) {
      const r = await root.run("create", "--health-cmd", "true", ...flags, "busybox", "true");
      assertEquals([r.code, r.stderr.trim()], [125, msg], flags.join(" "));
    }
    assertEquals(root.store().ids(), []);
    // Docker: {"Test":["NONE"]}; a created container with a check has State.Health null.
    const none = started(await root.run("create", "--no-healthcheck", "busybox", "true"));
    assertEquals((await inspect(root, none)).Config.Healthcheck, { Test: ["NONE"] });
    const created = started(await root.run("create", "--health-cmd", "echo hi", "busybox", "true"));
    const info = await inspect(root, created);
    assertEquals([info.Config.Healthcheck, info.State.Health], [
      { Test: ["CMD-SHELL", "echo hi"] },
      null,
    ]);
  });
});
