/**
 * ps --format/--filter/-n/-l/-s, as Docker 20.10 printed them here for
 * `run --name f1 busybox sh -c 'echo x > /big; exit 2'` then `run -d
 * --name f2 busybox sleep 100`:
 *   table header "CONTAINER ID   NAMES     CREATED AT …", CreatedAt
 *   "2026-12-01 11:09:53 +0000 UTC", State exited/running, Size
 *   "2B (virtual 1.98MB)" and "0B (virtual 1.98MB)", Networks "none";
 *   `-s` adds a SIZE column last; `--filter status=exited` and
 *   `exited=2` f1 (without -a); `status=bogus` "Invalid filter
 *   'status=bogus'"; `-n 1`/`-l` f2; before=f2 f1, since=f1 f2,
 *   ancestor=busybox both; `{{.Nope}}` "failed to execute template: …
 *   can't evaluate field Nope in type *formatter.ContainerContext" exit 1;
 *   `-n x` Docker's ParseInt line, exit 125; `-f bogus=1` "Invalid filter
 *   'bogus'"; `{{json .}}` its keys in sorted order.
 *
 * @module
 */

import { assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("ps: --format with table, --filter, -n, -l, -s as Docker prints them", async () => {
  await withRoot(async (root) => {
    assertEquals(
      (await root.run("run", "--name", "f1", "busybox", "sh", "-c", "echo x > /big; exit 2")).code,
      2,
    );
    assertEquals((await root.run("run", "-d", "--name", "f2", "busybox", "sleep", "100")).code, 0);
    const ps = (...args: string[]) => root.run("ps", ...args);

    const table = await ps(
      "-a",
      "--format",
      "table {{.ID}}\\t{{.Names}}\\t{{.CreatedAt}}\\t{{.State}}\\t{{.Size}}\\t{{.Networks}}",
    );
    assertEquals(table.code, 0, table.stderr);
    const [header, row2, row1] = table.stdout.trimEnd().split("\n");
    assertMatch(header, /^CONTAINER ID {3}NAMES {5}CREATED AT {22}STATE {5}SIZE {18}NETWORKS$/);
    assertMatch(
      row2,
      /^[0-9a-f]{12} {3}f2 {8}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC {3}running {3}0B \(virtual 1\.\d+MB\) {3}none$/,
    );
    assertMatch(
      row1,
      /^[0-9a-f]{12} {3}f1 {8}.* UTC {3}exited {4}2B \(virtual 1\.\d+MB\) {3}none$/,
    );

    const sized = await ps("-a", "-s");
    const lines = sized.stdout.trimEnd().split("\n");
    assertMatch(lines[0], /NAMES {5}SIZE$/);
    assertMatch(lines[2], /f1 {8}2B \(virtual 1\.\d+MB\)$/);

    const names = async (...args: string[]) => (await ps(...args, "--format", "{{.Names}}")).stdout;
    assertEquals(await names("--filter", "status=exited"), "f1\n");
    // `exited` alone looks at running containers only (Docker's), unlike `status`.
    assertEquals(await names("--filter", "exited=2"), "");
    assertEquals(await names("-a", "--filter", "exited=2"), "f1\n");
    assertEquals(await names("-a", "--filter", "exited=0"), "");
    assertEquals(await names("-a", "--filter", "name=f"), "f2\nf1\n");
    assertEquals(await names("-a", "--filter", "name=^/f1$"), "f1\n");
    assertEquals(await names("-n", "1"), "f2\n");
    assertEquals(await names("-l"), "f2\n");
    assertEquals(await names("-a", "--filter", "before=f2"), "f1\n");
    assertEquals(await names("-a", "--filter", "since=f1"), "f2\n");
    assertEquals(await names("-a", "--filter", "ancestor=busybox"), "f2\nf1\n");
    assertEquals(
      await names("-a", "--filter", "ancestor=busybox:latest", "--filter", "status=running"),
      "f2\n",
    );
    // Docker 20.10 here, for a container on `none` with `-v HOST:/data`: network=none, volume=
    // either path and health=none keep it; network=bridge, health=healthy, publish=80 do not.
    assertEquals(await names("-a", "--filter", "network=none"), "f2\nf1\n");
    assertEquals(await names("-a", "--filter", "network=bridge"), "");
    assertEquals(await names("-a", "--filter", "health=none", "--filter", "name=f2"), "f2\n");
    assertEquals(await names("-a", "--filter", "health=healthy"), "");
    assertEquals(await names("-a", "--filter", "publish=80"), "");
    const f1 = root.store().resolve("f1").id;
    assertEquals(await names("-a", "--filter", `id=${f1.slice(0, 8)}`), "f1\n");

    const json = JSON.parse(
      (await ps("-a", "--filter", "name=f1", "--format", "{{json .}}")).stdout,
    );
    assertEquals(Object.keys(json), [
      "Command",
      "CreatedAt",
      "ID",
      "Image",
      "Labels",
      "LocalVolumes",
      "Mounts",
      "Names",
      "Networks",
      "Ports",
      "RunningFor",
      "Size",
      "State",
      "Status",
    ]);
    assertEquals([json.Command, json.State, json.Size.startsWith("2B (virtual ")], [
      `"sh -c 'echo x > /bi…"`,
      "exited",
      true,
    ]);

    const errors: Array<[string[], number, string]> = [
      [
        ["--filter", "status=bogus"],
        1,
        "Error response from daemon: Invalid filter 'status=bogus'",
      ],
      [["-f", "bogus=1"], 1, "Error response from daemon: Invalid filter 'bogus'"],
      [
        ["-f", "health=bogus"],
        1,
        "Error response from daemon: Unrecognised filter value for health: bogus",
      ],
      [
        ["--format", "{{.Nope}}"],
        1,
        'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
      ],
      [
        ["-n", "x"],
        125,
        'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax',
      ],
      [["--bogus"], 125, "unknown flag: --bogus"],
    ];
    for (const [args, code, line] of errors) {
      const r = await ps(...args);
      assertEquals([r.code, r.stderr], [code, `${line}\n`], args.join(" "));
    }
  });
});

Deno.test("inspect: a missing field is a template error (exit 1); --type container|image|network", async () => {
  await withRoot(async (root) => {
    assertEquals((await root.run("create", "--name", "ic", "busybox", "true")).code, 0);
    const missing = await root.run("inspect", "-f", "{{.NoSuchField}}", "ic");
    assertEquals([missing.code, missing.stderr], [
      1,
      'template parsing error: template: :1:2: executing "" at <.NoSuchField>: map has no entry for key "NoSuchField"\n',
    ]);
    assertEquals((await root.run("inspect", "-f", "{{.Name}}", "ic")).stdout, "/ic\n");
    const asImage = await root.run("inspect", "--type", "image", "ic");
    assertEquals([asImage.code, asImage.stderr], [1, "Error: No such image: ic\n"]);
    const noContainer = await root.run("container", "inspect", "nosuch");
    assertEquals([noContainer.code, noContainer.stderr], [1, "Error: No such container: nosuch\n"]);
    const noNetwork = await root.run("inspect", "--type", "network", "nosuch");
    assertEquals([noNetwork.code, noNetwork.stderr], [1, "Error: No such network: nosuch\n"]);
    const img = await root.run("inspect", "--type", "image", "-f", "{{.Os}}", "busybox");
    assertEquals(img.stdout, "linux\n");
  });
});

Deno.test("wording: tag, rm of a running container, name conflict, exec of a missing command, as Docker's", async () => {
  await withRoot(async (root) => {
    const tag = await root.run("tag", "busybox", "Bad:Tag");
    assertEquals([tag.code, tag.stderr], [
      1,
      'Error parsing reference: "Bad:Tag" is not a valid repository/tag: invalid reference format: repository name must be lowercase\n',
    ]);
    const run = await root.run("run", "-d", "--name", "busy", "busybox", "sleep", "100");
    const id = run.stdout.trim();
    const rm = await root.run("rm", "busy");
    assertEquals([rm.code, rm.stderr], [
      1,
      `Error response from daemon: You cannot remove a running container ${id}. Stop the container before attempting removal or force remove\n`,
    ]);
    const dup = await root.run("create", "--name", "busy", "busybox", "true");
    assertEquals(
      dup.stderr,
      `Error response from daemon: Conflict. The container name "/busy" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.\n`,
    );
    const rmMissing = await root.run("rm", "nosuch");
    assertEquals([rmMissing.code, rmMissing.stderr], [1, "Error: No such container: nosuch\n"]);
    const exec = await root.run("exec", "busy", "nosuchcmd");
    assertEquals([exec.code, exec.stderr], [
      126,
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown\n',
    ]);
    const flag = await root.run("run", "--bogus", "busybox");
    assertEquals([flag.code, flag.stderr], [125, "unknown flag: --bogus\n"]);
  });
});

Deno.test("ps: volume filter and the .Label method, as Docker 20.10 did for -v HOST:/data", async () => {
  await withRoot(async (root) => {
    const host = Deno.makeTempDirSync({ prefix: "dgsh-test-vol-" });
    try {
      const run = await root.run(
        "run",
        "-d",
        "--name",
        "fv",
        "-v",
        `${host}:/data`,
        "busybox",
        "sleep",
        "100",
      );
      assertEquals(run.code, 0, run.stderr);
      const names = async (...args: string[]) =>
        (await root.run("ps", ...args, "--format", "{{.Names}}")).stdout;
      assertEquals(await names("--filter", "volume=/data"), "fv\n");
      assertEquals(await names("--filter", `volume=${host}`), "fv\n");
      assertEquals(await names("--filter", "volume=/elsewhere"), "");
      // No label here: Docker prints an empty cell, and the key as the column's header.
      const table = await root.run("ps", "--format", 'table {{.Names}}\t{{.Label "proj"}}');
      assertEquals(table.stdout, "NAMES     proj\nfv        \n");
    } finally {
      Deno.removeSync(host, { recursive: true });
    }
  });
});

Deno.test("ps: the table's cells are the fields a template names, for -a, -s and --no-trunc", async () => {
  await withRoot(async (root) => {
    const runs: Array<[string[], number]> = [
      [["run", "--name", "t-exited", "--label", "a=b", "busybox", "sh", "-c", "exit 3"], 3],
      [["create", "--name", "t-created", "busybox", "echo", "héllo 😀 a command past twenty"], 0],
      [["run", "-d", "--name", "t-running", "busybox", "sleep", "100"], 0],
    ];
    for (const [args, code] of runs) assertEquals((await root.run(...args)).code, code, args[2]);
    const columns = "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t" +
      "{{.Ports}}\\t{{.Names}}";
    // Each row's cells (the table pads them with 3 or more spaces), the times
    // in them made one word: a second may pass between the two commands.
    const cells = (stdout: string) =>
      stdout.trimEnd().split("\n").map((row) =>
        row.replace(/(Less than a second|\d+ seconds?|About a minute|\d+ minutes)/g, "TIME")
          .split(/ {3,}/)
      );
    for (const flags of [["-a"], ["-a", "--no-trunc"], ["-a", "-s"]]) {
      const template = `table ${columns}${flags.includes("-s") ? "\\t{{.Size}}" : ""}`;
      const table = await root.run("ps", ...flags);
      const templated = await root.run("ps", ...flags, "--format", template);
      assertEquals([table.code, templated.code], [0, 0], table.stderr + templated.stderr);
      assertEquals(cells(table.stdout).length, 4, table.stdout);
      assertEquals(cells(table.stdout), cells(templated.stdout), flags.join(" "));
    }
  });
});

Deno.test("ps -s: SizeRw counts every non-directory of the upper layer, symlinks too (Docker: 84 + 2 + 4 = 90B)", async () => {
  await withRoot(async (root) => {
    const script = "mkdir -p /tmp/d/e; echo x > /tmp/d/e/f; rm /etc/group; " +
      "echo y >> /etc/passwd; ln -s /etc /lnk";
    assertEquals((await root.run("run", "--name", "sz", "busybox", "sh", "-c", script)).code, 0);
    const upper = `${root.dir}/containers/${root.store().resolve("sz").id}/upper`;
    const passwd = Deno.statSync(`${upper}/etc/passwd`).size;
    assertEquals(Deno.lstatSync(`${upper}/lnk`).size, 4);
    const size = (await root.run("ps", "-a", "-s", "--format", "{{.Size}}")).stdout;
    assertMatch(size, new RegExp(`^${passwd + 2 + 4}B \\(virtual 1\\.\\d+MB\\)\\n$`));
  });
});

Deno.test("wording: a missing container and a wrong argument count, in Docker 20.10's words", async () => {
  await withRoot(async (root) => {
    const cases: Array<[string[], number, string]> = [
      [["logs", "nosuch"], 1, "Error: No such container: nosuch"],
      [["port", "nosuch"], 1, "Error: No such container: nosuch"],
      [["attach", "nosuch"], 1, "Error: No such container: nosuch"],
      [["exec", "nosuch", "true"], 1, "Error: No such container: nosuch"],
      [["cp", "nosuch:/x", `${root.dir}/x`], 1, "Error: No such container:path: nosuch:/x"],
      [["cp", root.dir, "nosuch:/x"], 1, "Error: No such container:path: nosuch:/"],
      [
        ["kill", "nosuch"],
        1,
        "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch",
      ],
      [["top", "nosuch"], 1, "Error response from daemon: No such container: nosuch"],
      [["wait"], 1, '"dockergsh wait" requires at least 1 argument.'],
      [["events", "extra"], 1, '"dockergsh events" accepts no arguments.'],
      [["rename", "a"], 1, '"dockergsh rename" requires exactly 2 arguments.'],
      [["container", "ls", "x"], 1, '"dockergsh container ls" accepts no arguments.'],
      // A template that does not parse, each command in its own words and exit code.
      [["ps", "--format", "{{.Bad"], 1, "failed to parse template: template: :1: unclosed action"],
      [
        ["network", "ls", "--format", "{{.Bad"],
        1,
        "template parsing error: template: :1: unclosed action",
      ],
      [
        ["events", "--since", "1s", "--until", "0s", "--format", "{{.Bad"],
        64,
        "Error parsing format: template: :1: unclosed action",
      ],
      [["info", "--format", "{{.Bad"], 64, "template parsing error: template: :1: unclosed action"],
      [
        ["inspect", "-f", "{{.Bad", "busybox"],
        64,
        "template parsing error: template: :1: unclosed action",
      ],
    ];
    for (const [args, code, line] of cases) {
      const r = await root.run(...args);
      assertEquals([r.code, r.stdout, r.stderr], [code, "", `${line}\n`], args.join(" "));
    }
  });
});
