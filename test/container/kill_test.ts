import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { eventually, withRoot } from "../_harness.ts";

Deno.test("kill: SIGKILL by default (137), -s by name or number reaches PID 1's handler", async () => {
  await withRoot(async (root) => {
    const sleeper = await root.run("run", "-d", "--name", "sleeper", "busybox", "sleep", "60");
    assertEquals(sleeper.code, 0, sleeper.stderr);
    const killed = await root.run("kill", "sleeper");
    assertEquals([killed.code, killed.stdout], [0, "sleeper\n"]);
    await eventually(() => root.store().resolve("sleeper").state.exitCode === 137);

    const trap = await root.run(
      "run",
      "-d",
      "--name",
      "trapper",
      "busybox",
      "sh",
      "-c",
      "trap 'echo got-usr1' USR1; trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done",
    );
    assertEquals(trap.code, 0, trap.stderr);
    await eventually(async () => (await root.run("logs", "trapper")).stdout.includes("ready"));
    assertEquals((await root.run("kill", "-s", "USR1", "trapper")).code, 0);
    await eventually(async () => (await root.run("logs", "trapper")).stdout.includes("got-usr1"));
    assertEquals((await root.run("kill", "--signal", "15", "trapper")).code, 0);
    await eventually(() => root.store().resolve("trapper").state.exitCode === 7);
  });
});

Deno.test("kill: a stopped container and a bad signal are one-line errors", async () => {
  await withRoot(async (root) => {
    assertEquals((await root.run("run", "--name", "done", "busybox", "true")).code, 0);
    const stopped = await root.run("kill", "done");
    assertEquals(stopped.code, 1);
    assertStringIncludes(stopped.stderr, "is not running");
    const bad = await root.run("kill", "-s", "SIGNOPE", "done");
    // Docker 20.10 here, for a stopped container too.
    assertEquals([bad.code, bad.stderr], [
      1,
      "Error response from daemon: Invalid signal: SIGNOPE\n",
    ]);
  });
});
