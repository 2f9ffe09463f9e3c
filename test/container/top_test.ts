/**
 * top, as Docker 20.10 showed it here for `sleep 100`: the columns of
 * `ps -ef` (UID PID PPID C STIME TTY TIME CMD), host PIDs, cells at least
 * 20 wide; `top C -o pid,comm` the host ps's own columns for the
 * container's processes; a stopped container "Container <id> is not
 * running", exit 1.
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { eventually, TEST_CGROUP_PARENT, withRoot } from "../_harness.ts";

const procs = (id: string) =>
  Deno.readTextFileSync(`/sys/fs/cgroup/pids${TEST_CGROUP_PARENT}/${id}/cgroup.procs`)
    .split("\n").filter((l) => l !== "").map(Number).sort((a, b) => a - b);

Deno.test("top: one ps -ef row per process of the container's cgroup, read from /proc", async () => {
  await withRoot(async (root) => {
    const run = await root.run(
      "run",
      "-d",
      "--name",
      "tp",
      "busybox",
      "sh",
      "-c",
      "sleep 300 & sleep 301; echo done",
    );
    assertEquals(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    await eventually(() => procs(id).length === 3);
    const top = await root.run("top", "tp");
    assertEquals(top.code, 0, top.stderr);
    const [header, ...rows] = top.stdout.trimEnd().split("\n");
    assertEquals(
      header,
      "UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD",
    );
    const pids = rows.map((r) => Number(r.split(/\s+/)[1]));
    assertEquals(pids, procs(id));
    const pid1 = root.store().get(id).state.pid;
    for (const row of rows) {
      const [uid, pid, ppid, c, stime, tty, time, ...cmd] = row.split(/\s+/);
      assertEquals(uid, "root");
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      assertEquals(Number(ppid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      assertMatch(c, /^\d+$/);
      assertMatch(stime, /^\d\d:\d\d$/);
      assertEquals([tty, time], ["?", "00:00:00"]);
      const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a) => a);
      assertEquals(cmd.join(" "), argv.join(" "));
      if (Number(pid) !== pid1) assertEquals(Number(ppid), pid1);
    }
    assert(rows.some((r) => r.endsWith("sleep 300")) && rows.some((r) => r.endsWith("sleep 301")));

    const custom = await root.run("top", "tp", "-o", "pid,comm");
    assertEquals(custom.code, 0, custom.stderr);
    const lines = custom.stdout.trimEnd().split("\n");
    assertEquals(lines[0], "PID                 COMMAND");
    assertEquals(lines.slice(1).map((l) => Number(l.split(/\s+/)[0])), procs(id));

    assertEquals((await root.run("stop", "-t", "0", "tp")).code, 0);
    const stopped = await root.run("top", "tp");
    assertEquals([stopped.code, stopped.stderr], [
      1,
      `Error response from daemon: Container ${id} is not running\n`,
    ]);
  });
});
