/**
 * `exec` on the real kernel: the exec'd process is read back from /proc on
 * the host (its namespaces, its cgroups) and from inside the container.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { eventually, withRoot } from "../_harness.ts";
import { alive, hostPidsRunning, started } from "./_lifecycle.ts";

const NAMESPACES = ["pid", "mnt", "net", "ipc", "uts"];

Deno.test("exec: joins the container's namespaces and cgroups; its ps shows the container's PID 1", async () => {
  await withRoot(async (root) => {
    const id = started(await root.run("run", "-d", "--name", "box", "busybox", "sleep", "60"));
    const { pid } = root.store().get(id).state;
    const marker = ["sleep", "31.5"]; // an argv nothing else on the host runs
    const execd = root.run("exec", "box", ...marker);
    let inner: number | undefined;
    await eventually(() => {
      inner = hostPidsRunning(marker)[0];
      return inner !== undefined;
    });
    for (const ns of NAMESPACES) {
      assertEquals(
        Deno.readLinkSync(`/proc/${inner}/ns/${ns}`),
        Deno.readLinkSync(`/proc/${pid}/ns/${ns}`),
        `${ns}: the exec'd process shares the container's`,
      );
    }
    assertEquals(
      Deno.readTextFileSync(`/proc/${inner}/cgroup`),
      Deno.readTextFileSync(`/proc/${pid}/cgroup`),
    );
    assertEquals(Deno.readLinkSync(`/proc/${inner}/root`), Deno.readLinkSync(`/proc/${pid}/root`));
    // Inside, the container's PID 1 is `sleep 60` and the exec'd sleep is a sibling.
    const ps = await root.run("exec", "box", "ps", "-o", "pid,args");
    assertEquals(ps.code, 0, ps.stderr);
    const rows = ps.stdout.trim().split("\n").slice(1).map((l) => l.trim());
    assertEquals(rows[0], "1 sleep 60");
    assert(rows.some((r) => r.endsWith("sleep 31.5")), ps.stdout);
    assert(rows.some((r) => r.endsWith("ps -o pid,args")), ps.stdout);
    assertEquals(rows.length, 3, ps.stdout);
    Deno.kill(inner!, "SIGKILL");
    assertEquals((await execd).code, 137);

    const self = await root.run("exec", "box", "sh", "-c", "echo $$; hostname; ls /");
    const [innerPid, hostname] = self.stdout.split("\n");
    assert(Number(innerPid) > 1, innerPid);
    assertEquals(hostname, id.slice(0, 12));
    assertStringIncludes(self.stdout, "bin\n");
  });
});

Deno.test("exec: environment, -e, -w, exit codes, stdin with -i", async () => {
  await withRoot(async (root) => {
    started(
      await root.run(
        "run",
        "-d",
        "--name",
        "env",
        "-e",
        "FROM_RUN=yes",
        "-e",
        "OVER=run",
        "-w",
        "/srv",
        "busybox",
        "sleep",
        "60",
      ),
    );
    const env = await root.run("exec", "-e", "OVER=exec", "-e", "ADDED=1", "env", "env");
    assertEquals(env.code, 0, env.stderr);
    const vars = env.stdout.trim().split("\n");
    for (const v of ["FROM_RUN=yes", "OVER=exec", "ADDED=1"]) assert(vars.includes(v), v);
    assert(!vars.includes("OVER=run"), env.stdout);
    assert(vars.some((v) => v.startsWith("PATH=/")), env.stdout);
    assert(!vars.includes("TERM=xterm"), "no TERM without -t");

    assertEquals((await root.run("exec", "env", "pwd")).stdout, "/srv\n");
    assertEquals((await root.run("exec", "-w", "/etc", "env", "pwd")).stdout, "/etc\n");
    // Unlike run, exec does not make a missing working directory (nor does Docker's).
    const nowhere = await root.run("exec", "-w", "/new/dir", "env", "pwd");
    assertEquals([nowhere.code, nowhere.stdout], [126, ""]);
    assertMatch(
      nowhere.stderr,
      /^OCI runtime exec failed: exec failed: unable to start container process: cannot use working directory "\/new\/dir": ENOENT: unknown\n$/,
    );
    assertEquals((await root.run("exec", "env", "ls", "/new")).code, 1);

    assertEquals((await root.run("exec", "env", "sh", "-c", "exit 9")).code, 9);
    // Docker 20.10 here: exit 126 and runc's line (run of a missing command is 127; exec is not).
    const missing = await root.run("exec", "env", "nosuchcmd");
    assertEquals(missing.code, 126);
    assertEquals(
      missing.stderr,
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown\n',
    );
    assertEquals((await root.run("exec", "env", "/etc/passwd")).code, 126);

    const piped = await root.runWith({ stdin: "through stdin\n" }, "exec", "-i", "env", "cat");
    assertEquals([piped.code, piped.stdout], [0, "through stdin\n"], piped.stderr);
    const closed = await root.runWith({ stdin: "not passed\n" }, "exec", "env", "cat");
    assertEquals([closed.code, closed.stdout], [0, ""], "without -i stdin is not passed");
  });
});

Deno.test("exec -d: the command runs on in the container after the CLI exits", async () => {
  await withRoot(async (root) => {
    const id = started(await root.run("run", "-d", "--name", "bg", "busybox", "sleep", "60"));
    const d = await root.run("exec", "-d", "bg", "sh", "-c", "sleep 0.3; echo done > /done");
    assertEquals([d.code, d.stdout], [0, ""], d.stderr);
    await eventually(async () =>
      (await root.run("exec", "bg", "cat", "/done")).stdout === "done\n"
    );
    const { pid, pidStartTime } = root.store().get(id).state;
    assert(alive(pid, pidStartTime));
  });
});

Deno.test("exec -it: a real terminal, under a pty the test creates", async () => {
  await withRoot(async (root) => {
    started(await root.run("run", "-d", "--name", "term", "busybox", "sleep", "60"));
    const { code, screen } = await root.runInTerminal(
      { rows: 29, cols: 97 },
      "exec",
      "-it",
      "term",
      "sh",
      "-c",
      "tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; stty size; echo $TERM; exit 3",
    );
    assertEquals(code, 3, screen);
    assertStringIncludes(screen, "/dev/pts/0");
    assertStringIncludes(screen, "both-tty");
    assertStringIncludes(screen, "29 97");
    assertStringIncludes(screen, "xterm");
  });
});
