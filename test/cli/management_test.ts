/**
 * The `container` group, `container prune`, `version`, `info`, `stats
 * --format` and `network ls --format/-q/-f`, as Docker 20.10 printed them
 * here: `container ls` is ps; `container inspect nosuch` "Error: No such
 * container: nosuch"; `container prune -f` "Deleted Containers:" and the
 * IDs, a blank line, "Total reclaimed space: 2B" for one container that
 * wrote 2 bytes; answered "n" only the total 0B; `--filter bogus=1`
 * "Invalid filter 'bogus'"; stats `table {{.Container}}\t{{.Name}}…`
 * with CONTAINER as the name given; network ls `{{.Nope}}` "template
 * parsing error: … in type *network.networkContext".
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("container group: each subcommand is its command; prune removes only stopped containers", async () => {
  await withRoot(async (root) => {
    // Docker 20.10: `container` alone prints the group's usage on stderr after an empty line, exit
    // 0; `container --help` the same on stdout; aliases (ps, list) are not listed.
    const alone = await root.run("container");
    assertEquals([alone.code, alone.stdout], [0, ""]);
    const help = await root.run("container", "--help");
    assertEquals(help.stdout.split("\n").slice(0, 4), [
      "",
      "Usage:  dockergsh container COMMAND",
      "",
      "Manage containers",
    ]);
    assertEquals(alone.stderr, help.stdout);
    assertMatch(help.stdout, /\n {2}prune +Remove all stopped containers\n/);
    assertEquals(/\n {2}(ps|list) /.test(help.stdout), false, help.stdout);
    const unknown = await root.run("container", "nosuch");
    assertEquals(unknown.code, 1);

    assertEquals(
      (await root.run("container", "run", "--name", "big", "busybox", "sh", "-c", "echo x > /big"))
        .code,
      0,
    );
    assertEquals(
      (await root.run("container", "create", "--name", "idle", "busybox", "true")).code,
      0,
    );
    const up = await root.run("container", "run", "-d", "--name", "up", "busybox", "sleep", "100");
    assertEquals(up.code, 0, up.stderr);
    const ls = await root.run("container", "ls", "--format", "{{.Names}}");
    assertEquals(ls.stdout, "up\n");
    assertEquals(
      (await root.run("container", "ps", "-a", "-q")).stdout.trim().split("\n").length,
      3,
    );

    const no = await root.runWith({ stdin: "n\n" }, "container", "prune");
    assertEquals(
      no.stdout,
      "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n",
    );
    assertEquals(root.store().list().length, 3);
    const bad = await root.run("container", "prune", "-f", "--filter", "bogus=1");
    assertEquals([bad.code, bad.stderr], [
      1,
      "Error response from daemon: Invalid filter 'bogus'\n",
    ]);
    const recent = await root.run("container", "prune", "-f", "--filter", "until=1h");
    assertEquals(recent.stdout, "Total reclaimed space: 0B\n");

    const ids = ["big", "idle"].map((n) => root.store().resolve(n).id);
    const pruned = await root.runWith({ stdin: "y\n" }, "container", "prune");
    assertEquals(pruned.code, 0, pruned.stderr);
    const out = pruned.stdout.replace(
      /^WARNING[^\n]*\nAre you sure you want to continue\? \[y\/N\] /,
      "",
    );
    const [head, ...rest] = out.trimEnd().split("\n");
    assertEquals(head, "Deleted Containers:");
    assertEquals(rest.slice(0, 2).sort(), [...ids].sort());
    assertEquals(rest.slice(2), ["", "Total reclaimed space: 2B"]);
    // Their directories are gone; the running one is untouched.
    for (const id of ids) assert(!root.store().ids().includes(id));
    assertEquals(root.store().list().map((r) => r.name), ["up"]);
  });
});

Deno.test("version and info: Docker's sections, --format on Docker's keys", async () => {
  await withRoot(async (root) => {
    const version = await root.run("version");
    assertEquals(version.code, 0);
    assertMatch(version.stdout, /^Client:\n Version: +0\.\d+\.\d+\n/);
    assertMatch(version.stdout, /\nServer:\n Engine:\n {2}Version: +0\.\d+\.\d+\n/);
    assertEquals(
      (await root.run("version", "--format", "{{.Server.KernelVersion}}")).stdout,
      `${Deno.osRelease()}\n`,
    );
    assertEquals((await root.run("run", "-d", "--name", "one", "busybox", "sleep", "100")).code, 0);
    assertEquals((await root.run("create", "--name", "two", "busybox", "true")).code, 0);
    assertEquals((await root.run("pause", "one")).code, 0);
    const info = await root.run("info");
    assertEquals(info.code, 0, info.stderr);
    assertMatch(
      info.stdout,
      /\n Containers: 2\n {2}Running: 0\n {2}Paused: 1\n {2}Stopped: 1\n Images: 1\n/,
    );
    const cpus = Deno.readTextFileSync("/proc/cpuinfo").split("\n").filter((l) =>
      /^processor/.test(l)
    ).length;
    assertMatch(info.stdout, new RegExp(`\n CPUs: ${cpus}\n`));
    assertMatch(info.stdout, /\n Cgroup Version: [12]\n/);
    // Docker's ID line, in its shape; the same on every run for one root.
    const id = /\n ID: ((?:[A-Z2-7]{4}:){11}[A-Z2-7]{4})\n/.exec(info.stdout)?.[1];
    assertEquals((await root.run("info", "--format", "{{.ID}}")).stdout, `${id}\n`);
    assertEquals(
      (await root.run(
        "info",
        "--format",
        "{{.Containers}} {{.ContainersPaused}} {{.Driver}} {{.DockerRootDir}}",
      )).stdout,
      `2 1 overlay2 ${root.dir}\n`,
    );
    assertEquals((await root.run("unpause", "one")).code, 0);

    const stats = await root.run(
      "stats",
      "--no-stream",
      "--format",
      "table {{.Container}}\\t{{.Name}}\\t{{.PIDs}}",
      "one",
    );
    assertEquals(stats.code, 0, stats.stderr);
    assertEquals(stats.stdout.trimEnd().split("\n").map((l) => l.split(/\s{3,}/)), [
      ["CONTAINER", "NAME", "PIDS"],
      ["one", "one", "1"],
    ]);
    const badStats = await root.run("stats", "--no-stream", "--format", "{{.Nope}}", "one");
    assertEquals([badStats.code, badStats.stderr], [
      1,
      'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *container.statsContext\n',
    ]);
  });
});

Deno.test("network ls: --format, -q, -f as Docker's", async () => {
  await withRoot(async (root) => {
    const made = await root.run("network", "create", "--subnet", "10.218.77.0/24", "cmdsnet");
    assertEquals(made.code, 0, made.stderr);
    const id = made.stdout.trim();
    const fmt = await root.run(
      "network",
      "ls",
      "--format",
      "{{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.IPv6}} {{.Internal}}",
    );
    // The predefined host and none networks are listed too, by name.
    assertEquals(fmt.stdout.split("\n")[0], `${id.slice(0, 12)} cmdsnet bridge local false false`);
    assertMatch(
      fmt.stdout,
      /\n[0-9a-f]{12} host host local false false\n[0-9a-f]{12} none null local false false\n$/,
    );
    assertEquals(
      (await root.run("network", "ls", "-q", "-f", "name=cmds")).stdout,
      `${id.slice(0, 12)}\n`,
    );
    assertEquals(
      (await root.run("network", "ls", "-f", "driver=null", "--format", "{{.Name}}")).stdout,
      "none\n",
    );
    assertEquals(
      (await root.run("network", "ls", "-f", "type=custom", "--format", "{{.Name}}")).stdout,
      "cmdsnet\n",
    );
    const table = await root.run("network", "ls", "--format", "table {{.Name}}\\t{{.Driver}}");
    assertEquals(
      table.stdout,
      "NAME      DRIVER\ncmdsnet   bridge\nhost      host\nnone      null\n",
    );
    const bad = await root.run("network", "ls", "-f", "bogus=1");
    assertEquals([bad.code, bad.stderr], [
      1,
      "Error response from daemon: Invalid filter 'bogus'\n",
    ]);
    const nope = await root.run("network", "ls", "--format", "{{.Nope}}");
    assertEquals([nope.code, nope.stderr], [
      1,
      'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *network.networkContext\n',
    ]);
  });
});
