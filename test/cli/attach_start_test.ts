/**
 * start -a and attach, as Docker 20.10 did here: `start -a` of a created
 * `sh -c 'echo out; echo err >&2; exit 4'` printed out (stdout) and err
 * (stderr) and exited 4; `start -a A nosuch` "you cannot start and
 * attach multiple containers at once", exit 1; `start -a` of a command
 * that is not found, exit 1; `attach` to a detached
 * `sh -c 'sleep 1; echo late; echo err >&2; exit 6'` printed late on
 * stdout and err on stderr and exited 6;
 * `attach` to a stopped one "You cannot attach to a stopped container,
 * start it first", exit 1.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("start -a: the container's output and exit code; one container only", async () => {
  await withRoot(async (root) => {
    const c = await root.run(
      "create",
      "--name",
      "sa",
      "busybox",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 4",
    );
    assertEquals(c.code, 0, c.stderr);
    const started = await root.run("start", "-a", "sa");
    assertEquals([started.code, started.stdout, started.stderr], [4, "out\n", "err\n"]);
    assertEquals(root.store().resolve("sa").state.exitCode, 4);
    const two = await root.run("start", "-a", "sa", "nosuch");
    assertEquals([two.code, two.stderr], [
      1,
      "you cannot start and attach multiple containers at once\n",
    ]);

    // Docker 20.10: `start -a` of a container whose command is not found failed with the
    // daemon's "… executable file not found in $PATH …", exit 1 (`run` of it exits 127).
    assertEquals((await root.run("create", "--name", "sn", "busybox", "nosuchcmd")).code, 0);
    const missing = await root.run("start", "-a", "sn");
    assertEquals(missing.code, 1, missing.stderr);
    assertEquals(missing.stderr.includes("executable file not found in $PATH"), true);
    // Docker: it stays created, with ExitCode 127 and the error in State.Error; `/etc`, 126.
    const state = await root.run(
      "inspect",
      "-f",
      "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}",
      "sn",
    );
    assertEquals(
      state.stdout,
      'created 127 exec: "nosuchcmd": executable file not found in $PATH\n',
      state.stderr,
    );
    assertEquals((await root.run("create", "--name", "se", "busybox", "/etc")).code, 0);
    assertEquals((await root.run("start", "se")).code, 1);
    const se = root.store().resolve("se").state;
    assertEquals([se.status, se.exitCode], ["created", 126]);

    const i = await root.run("create", "-i", "--name", "si", "busybox", "cat");
    assertEquals(i.code, 0, i.stderr);
    const fed = await root.runWith({ stdin: "through\n" }, "start", "-ai", "si");
    assertEquals([fed.code, fed.stdout], [0, "through\n"], fed.stderr);
  });
});

Deno.test("attach: follows a running container's output to its end, exits with its code", async () => {
  await withRoot(async (root) => {
    const run = await root.run(
      "run",
      "-d",
      "--name",
      "at",
      "busybox",
      "sh",
      "-c",
      "sleep 1; echo late; echo err >&2; exit 6",
    );
    assertEquals(run.code, 0, run.stderr);
    const attached = await root.run("attach", "at");
    assertEquals([attached.code, attached.stdout, attached.stderr], [6, "late\n", "err\n"]);
    const stopped = await root.run("attach", "at");
    assertEquals([stopped.code, stopped.stderr], [
      1,
      "You cannot attach to a stopped container, start it first\n",
    ]);
  });
});
