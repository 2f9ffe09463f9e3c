/**
 * Output and error words that `make diff` found differing from Docker,
 * each as Docker 20.10 (the peer daemon) printed it here:
 *
 * - `images --format '{{json .}}'` keys Containers,CreatedAt,CreatedSince,
 *   Digest,ID,Repository,SharedSize,Size,Tag,UniqueSize,VirtualSize
 *   (Containers "N/A", Size "1.98MB", VirtualSize "1.984MB");
 *   `-f reference='d14-ref*'` the matching tags only; `-f dangling=true` the
 *   untagged image; `-f bogus=1` "Error response from daemon: Invalid
 *   filter 'bogus'" exit 1; `-f dangling=TRUE` "… Invalid filter
 *   'dangling=[TRUE]'"; `-f bogus` the flag's "bad format of filter
 *   (expected name=value)", exit 125; `-f before=nosuch` "… No such image:
 *   nosuch:latest" exit 1; a format wins over -q.
 * - `history --format '{{.CreatedBy}}|{{.Comment}}'`, CreatedAt in RFC 3339.
 * - `inspect`: Docker's 158 key paths of a container and 60 of an image
 *   (test/fixtures/docker_inspect_key_paths.json; an image's
 *   GraphDriver.Data.MergedDir and WorkDir are named beside its top layer's
 *   `diff` and do not exist, the layer never mounted alone);
 *   nils print typed: `{{.HostConfig.CapAdd}}` `[]`, an image's
 *   `{{.Config.Labels}}` `map[]`, `{{.HostConfig.PidsLimit}}` and
 *   `{{.State.Health}}` `<nil>`; `-s` SizeRw 0 for a created container;
 *   `--type bogus` `"bogus" is not a valid value for --type`, exit 1.
 * - `tag nosuch x` "Error response from daemon: No such image:
 *   nosuch:latest" exit 1; `rmi nosuch:1` "Error: No such image: nosuch:1"
 *   exit 1; `run --pull never nosuch:1` "docker: Error response from
 *   daemon: No such image: nosuch:1." exit 125; `run --name TAKEN` "docker:
 *   Error response from daemon: Conflict. The container name …" exit 125,
 *   and `create --name TAKEN` the same words without "docker: ", exit 1.
 * - `run -it` and `exec -it` with stdin not a terminal: "the input device
 *   is not a TTY", exit 1 (`exec` of a missing container says that first).
 * - `docker nosuchcmd` exit 1; `docker container bogus` the group's usage
 *   on stderr after an empty line, exit 1.
 * - `network ls`: NETWORK ID, NAME, DRIVER, SCOPE; `host` (driver host) and
 *   `none` (driver null) always there; `network inspect none` Driver null,
 *   IPAM Config [].
 *
 * @module
 */

import { assertEquals, assertMatch } from "../_assert.ts";
import { BUSYBOX_TAR, withRoot } from "../_harness.ts";

const KEY_PATHS = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/docker_inspect_key_paths.json", import.meta.url)),
) as { container: string[]; image: string[] };

/** Object key paths of `doc` (arrays not entered), sorted: how the differential measure compares them. */
function keyPaths(doc: unknown, prefix = ""): string[] {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return [];
  return Object.entries(doc).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...keyPaths(v, path)];
  }).sort();
}

Deno.test("images: --format fields and --filter keys as Docker's", async () => {
  await withRoot(async (root) => {
    const json = await root.run("images", "busybox", "--format", "{{json .}}");
    assertEquals(json.code, 0, json.stderr);
    const row = JSON.parse(json.stdout);
    assertEquals(Object.keys(row), [
      "Containers",
      "CreatedAt",
      "CreatedSince",
      "Digest",
      "ID",
      "Repository",
      "SharedSize",
      "Size",
      "Tag",
      "UniqueSize",
      "VirtualSize",
    ]);
    assertEquals([row.Containers, row.Repository, row.Tag, row.Digest], [
      "N/A",
      "busybox",
      "latest",
      "<none>",
    ]);
    assertMatch(row.Size, /^\d\.\d\dMB$/);
    assertMatch(row.VirtualSize, /^\d\.\d{3}MB$/);
    assertMatch(row.CreatedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);

    assertEquals((await root.run("tag", "busybox", "ref-a:1")).code, 0);
    assertEquals((await root.run("tag", "busybox", "other:1")).code, 0);
    const names = async (...args: string[]) =>
      (await root.run("images", ...args, "--format", "{{.Repository}}:{{.Tag}}")).stdout;
    assertEquals(await names("-f", "reference=ref-*"), "ref-a:1\n");
    assertEquals(await names("-f", "reference=ref-a:1"), "ref-a:1\n");
    assertEquals(await names("-f", "reference=ref"), "");
    // A second import under the same tag leaves the first image untagged: dangling.
    assertEquals((await root.run("import", BUSYBOX_TAR, "dang:1")).code, 0);
    assertEquals((await root.run("import", BUSYBOX_TAR, "dang:1")).code, 0);
    assertEquals((await root.run("rmi", "other:1")).code, 0);
    assertEquals(await names("-f", "dangling=true"), "<none>:<none>\n");
    assertEquals(await names("-f", "dangling=false"), "dang:1\nbusybox:latest\nref-a:1\n");
    // A format wins over -q, as in Docker.
    assertEquals((await root.run("images", "-q", "--format", "{{.Tag}}", "ref-a")).stdout, "1\n");

    const bad = async (args: string[], code: number, stderr: string) => {
      const r = await root.run("images", ...args);
      assertEquals([r.code, r.stderr], [code, `${stderr}\n`], args.join(" "));
    };
    await bad(["-f", "bogus=1"], 1, "Error response from daemon: Invalid filter 'bogus'");
    await bad(
      ["-f", "dangling=TRUE"],
      1,
      "Error response from daemon: Invalid filter 'dangling=[TRUE]'",
    );
    await bad(
      ["-f", "bogus"],
      125,
      'invalid argument "bogus" for "-f, --filter" flag: bad format of filter (expected name=value)',
    );
    await bad(
      ["-f", "before=nosuch"],
      1,
      "Error response from daemon: No such image: nosuch:latest",
    );
    await bad(
      ["--format", "{{.Nope}}"],
      1,
      'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
    );

    const history = await root.run(
      "history",
      "--format",
      "{{.ID}}|{{.CreatedBy}}|{{.CreatedAt}}",
      "ref-a:1",
    );
    assertEquals(history.code, 0, history.stderr);
    const [top] = history.stdout.split("\n");
    assertMatch(top, /^[0-9a-f]{12}\|\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

Deno.test("inspect: Docker's key paths, typed nils, -s and --type", async () => {
  await withRoot(async (root) => {
    assertEquals((await root.run("run", "-d", "--name", "ss", "busybox", "sleep", "60")).code, 0);
    const container = JSON.parse((await root.run("inspect", "ss")).stdout)[0];
    assertEquals(keyPaths(container), KEY_PATHS.container);
    const image = JSON.parse((await root.run("image", "inspect", "busybox")).stdout)[0];
    assertEquals(keyPaths(image), KEY_PATHS.image);
    // Docker: `<layer>/merged` and `<layer>/work` beside the top layer's `diff`, neither made.
    const top = (image.RootFS.Layers as string[]).at(-1)!.slice("sha256:".length);
    const data = image.GraphDriver.Data;
    assertEquals([data.MergedDir, data.WorkDir], [
      `${root.dir}/layers/${top}.merged`,
      `${root.dir}/layers/${top}.work`,
    ]);
    for (const dir of [data.MergedDir, data.WorkDir]) {
      assertEquals(await Deno.lstat(dir).then(() => "exists", () => "absent"), "absent", dir);
    }

    const format = async (template: string, ref: string) => {
      const r = await root.run("inspect", "-f", template, ref);
      assertEquals(r.code, 0, r.stderr);
      return r.stdout;
    };
    assertEquals(
      await format(
        "{{.HostConfig.CapAdd}}|{{.HostConfig.PidsLimit}}|{{.State.Health}}|{{len .HostConfig.CapAdd}}",
        "ss",
      ),
      "[]|<nil>|<nil>|0\n",
    );
    assertEquals(await format("{{.Config.Labels}}|{{.Config.Cmd}}", "busybox"), "map[]|[]\n");
    assertEquals(await format("{{json .HostConfig.CapAdd}}", "ss"), "null\n");

    assertEquals((await root.run("create", "--name", "cc", "busybox", "true")).code, 0);
    const sized = await root.run("inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", "cc");
    assertEquals(sized.code, 0, sized.stderr);
    const [rw, rootFs] = sized.stdout.trim().split(" ").map(Number);
    assertEquals([rw, rootFs > 1_000_000], [0, true]);
    const keys = Object.keys(JSON.parse((await root.run("inspect", "-s", "cc")).stdout)[0]);
    assertEquals(keys.slice(keys.indexOf("GraphDriver"), keys.indexOf("GraphDriver") + 3), [
      "GraphDriver",
      "SizeRw",
      "SizeRootFs",
    ]);

    // Docker looks at volumes too, after networks; `--type volume` at volumes only.
    assertEquals((await root.run("volume", "create", "vv")).code, 0);
    assertEquals(
      (await root.run("inspect", "-f", "{{.Name}} {{.Driver}}", "vv")).stdout,
      "vv local\n",
    );
    const notNetwork = await root.run("inspect", "--type", "network", "vv");
    assertEquals([notNetwork.code, notNetwork.stderr], [1, "Error: No such network: vv\n"]);
    const noVolume = await root.run("inspect", "--type", "volume", "nosuch");
    assertEquals([noVolume.code, noVolume.stdout, noVolume.stderr], [
      1,
      "[]\n",
      "Error: No such volume: nosuch\n",
    ]);
    const bogus = await root.run("inspect", "--type", "bogus", "ss");
    assertEquals([bogus.code, bogus.stderr], [1, '"bogus" is not a valid value for --type\n']);
  });
});

Deno.test("errors in Docker's words: missing images, a taken name, -it without a terminal, unknown commands", async () => {
  await withRoot(async (root) => {
    const expect = async (args: string[], code: number, firstLine: string) => {
      const r = await root.run(...args);
      assertEquals([r.code, r.stderr.split("\n")[0]], [code, firstLine], args.join(" "));
    };
    await expect(
      ["tag", "nosuch", "x"],
      1,
      "Error response from daemon: No such image: nosuch:latest",
    );
    await expect(["rmi", "nosuch:1"], 1, "Error: No such image: nosuch:1");
    await expect(
      ["run", "--pull", "never", "nosuch:1", "true"],
      125,
      "dockergsh: Error response from daemon: No such image: nosuch:1.",
    );
    assertEquals((await root.run("create", "--name", "taken", "busybox", "true")).code, 0);
    const taken = await root.run("run", "--name", "taken", "busybox", "true");
    assertEquals(taken.code, 125);
    assertMatch(
      taken.stderr,
      /^dockergsh: Error response from daemon: Conflict\. The container name "\/taken" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.\n/,
    );
    // `create` prints the daemon's words as they are, exit 1.
    await expect(
      ["create", "--name", "taken", "busybox", "true"],
      1,
      `Error response from daemon: Conflict. The container name "/taken" is already in use by container "${
        taken.stderr.match(/[0-9a-f]{64}/)![0]
      }". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    // Docker 20.10: "Invalid container name (-x) …", the daemon's words in each command's shape.
    await expect(
      ["run", "--name", "-x", "busybox", "true"],
      125,
      "dockergsh: Error response from daemon: Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.",
    );
    await expect(
      ["create", "--name", "-x", "busybox", "true"],
      1,
      "Error response from daemon: Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
    );
    // Docker 20.10: `create busybox` (no CMD) the daemon's words, exit 1; `rm -f` of a missing
    // container says so and exits 0.
    await expect(["create", "busybox"], 1, "Error response from daemon: No command specified");
    await expect(
      ["run", "busybox"],
      125,
      "dockergsh: Error response from daemon: No command specified.",
    );
    const rmMissing = await root.run("rm", "-f", "nosuch");
    assertEquals([rmMissing.code, rmMissing.stdout, rmMissing.stderr], [
      0,
      "",
      "Error: No such container: nosuch\n",
    ]);
    assertEquals((await root.run("rm", "nosuch")).code, 1);
    await expect(["run", "-it", "busybox", "true"], 1, "the input device is not a TTY");
    // -t alone needs no terminal.
    assertEquals((await root.run("run", "--rm", "-t", "busybox", "true")).code, 0);
    await expect(["exec", "-it", "nosuch", "true"], 1, "Error: No such container: nosuch");
    assertEquals((await root.run("run", "-d", "--name", "up", "busybox", "sleep", "60")).code, 0);
    await expect(["exec", "-it", "up", "true"], 1, "the input device is not a TTY");
    await expect(["nosuchcmd"], 1, "dockergsh: 'nosuchcmd' is not a dockergsh command.");
    const group = await root.run("container", "bogus");
    assertEquals(
      [group.code, group.stdout, group.stderr.split("\n").slice(0, 2)],
      [1, "", ["", "Usage:  dockergsh container COMMAND"]],
    );
  });
});

Deno.test("network ls and inspect: the predefined host and none networks, Docker's columns", async () => {
  await withRoot(async (root) => {
    const ls = await root.run("network", "ls");
    assertEquals(ls.code, 0, ls.stderr);
    const lines = ls.stdout.trimEnd().split("\n").map((l) => l.split(/\s{3,}/));
    assertEquals(lines[0], ["NETWORK ID", "NAME", "DRIVER", "SCOPE"]);
    assertEquals(lines.slice(1).map((l) => l.slice(1)), [["host", "host", "local"], [
      "none",
      "null",
      "local",
    ]]);
    // The same IDs each time, and the ones inspect gives.
    const again = (await root.run("network", "ls", "-q", "--no-trunc")).stdout.trim().split("\n");
    const none = JSON.parse((await root.run("network", "inspect", "none")).stdout)[0];
    assertEquals([none.Name, none.Driver, none.IPAM.Config, none.Id], [
      "none",
      "null",
      [],
      again[1],
    ]);
    assertEquals((await root.run("inspect", "-f", "{{.Driver}}", "host")).stdout, "host\n");
    const custom = await root.run("network", "ls", "-q", "-f", "type=custom");
    assertEquals(custom.stdout, "");
  });
});

// Docker 20.10 here: `stats -a --no-stream` lists a created container as "d14-sa 0.00% 0";
// `exec --env-file F -e Y=2 C sh -c 'echo $X$Y'` (F: X=1) "12"; a missing file "open
// /nonexistent: no such file or directory", exit 1.
Deno.test("stats -a, exec --env-file as Docker's", async () => {
  await withRoot(async (root) => {
    assertEquals((await root.run("create", "--name", "idle", "busybox", "true")).code, 0);
    assertEquals((await root.run("run", "-d", "--name", "up", "busybox", "sleep", "60")).code, 0);
    const names = async (...args: string[]) =>
      (await root.run("stats", ...args, "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}")).stdout
        .trim().split("\n").sort();
    assertEquals((await names()).map((l) => l.split(" ")[0]), ["up"]);
    const all = await names("-a");
    assertEquals([all.length, all[0]], [2, "idle 0.00%"]);

    const envFile = Deno.makeTempFileSync({ prefix: "dgsh-test-env-" });
    try {
      Deno.writeTextFileSync(envFile, "X=1\n");
      const r = await root.run(
        "exec",
        "--env-file",
        envFile,
        "-e",
        "Y=2",
        "up",
        "sh",
        "-c",
        "echo $X$Y",
      );
      assertEquals([r.code, r.stdout], [0, "12\n"], r.stderr);
    } finally {
      Deno.removeSync(envFile);
    }
    const missing = await root.run("exec", "--env-file", "/nonexistent", "up", "true");
    assertEquals([missing.code, missing.stderr], [
      1,
      "open /nonexistent: no such file or directory\n",
    ]);
  });
});
