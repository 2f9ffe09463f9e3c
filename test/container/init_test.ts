/**
 * `--init` on the real kernel, from what Docker 20.10 showed for the same
 * commands: PID 1 is `docker-init` (tini, bound read-only at
 * /sbin/docker-init), the command is its child, `stop` reaches a command
 * that is not PID 1 (`sleep` dies of the SIGTERM: exit 143 at once, where
 * without an init it waits for the SIGKILL), and orphans are reaped.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";
import { inspect, started } from "./_lifecycle.ts";

Deno.test("--init: tini is PID 1, the command its child; orphans are reaped", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "--rm",
      "--init",
      "busybox",
      "sh",
      "-c",
      // An orphan (the subshell exits at once) is reparented to PID 1 and exits after 0.2 s.
      "(sleep 0.2 &); sleep 0.1; ps -o pid,ppid,stat,comm; sleep 1; echo ---; ps -o pid,ppid,stat,comm; " +
        "grep ' /sbin/docker-init ' /proc/mounts; grep SigIgn /proc/1/status",
    );
    assertEquals(r.code, 0, r.stderr);
    const [before, after] = r.stdout.split("---\n");
    const rows = (t: string) => t.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/));
    // Docker: `1 0 S docker-init`, the command as PID 7 with PPID 1.
    assertEquals(rows(before)[0], ["1", "0", "S", "docker-init"]);
    const sh = rows(before).find((row) => row[3] === "sh")!;
    assertEquals(sh[1], "1", "the command is the init's child");
    assert(
      rows(before).some((row) => row[3] === "sleep" && row[1] === "1"),
      "the orphan went to the init",
    );
    const later = rows(
      after.split("\n").filter((l) => /^\s*\d+\s/.test(l) || l.includes("PID")).join("\n"),
    );
    assert(!later.some((row) => row[2].startsWith("Z")), `no zombie left: ${after}`);
    assert(!later.some((row) => row[3] === "sleep"), "the orphan was reaped");
    // Bound read-only from the host, as Docker's; tini ignores SIGTTIN/SIGTTOU as Docker's does.
    assertMatch(after, /^\S+ \/sbin\/docker-init \S+ ro,/m);
    assertMatch(after, /^SigIgn:\s+0000000000300000$/m);
    const info = await root.run("run", "--rm", "busybox", "ls", "/sbin/docker-init");
    assertEquals(info.code, 1, "without --init there is none");
  });
});

Deno.test("--init: stop's SIGTERM reaches the command (exit 143 at once, as Docker)", async () => {
  await withRoot(async (root) => {
    const id = started(await root.run("run", "-d", "--init", "busybox", "sleep", "100"));
    const pid = root.store().get(id).state.pid;
    assertEquals(Deno.readTextFileSync(`/proc/${pid}/comm`).trim(), "docker-init");
    assertEquals((await root.run("stop", id)).code, 0);
    const info = await inspect(root, id);
    // 143 = 128 + SIGTERM: sleep died of the signal; without an init it would have been 137 after 10 s.
    assertEquals(info.State.ExitCode, 143);
    assertEquals(info.HostConfig.Init, true);
    assertEquals([info.Path, info.Args], ["sleep", ["100"]]);
  });
});
