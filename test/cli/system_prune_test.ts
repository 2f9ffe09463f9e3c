/**
 * `system prune`, `image prune --filter` and `system df --format/-v`, as
 * Docker 20.10 printed them here for a stopped container labelled
 * d14-prune=1, a dangling committed image with that label and a volume
 * with it (`system prune -f --volumes --filter label=d14-prune=1`):
 *
 *     Deleted Containers:
 *     <id>
 *
 *     Deleted Volumes:
 *     d14-spv
 *
 *     Deleted Images:
 *     deleted: sha256:<id>
 *
 *     Total reclaimed space: 0B
 *
 * and without -f its prompt: "WARNING! This will remove:" then "  - all
 * stopped containers", "  - all networks not used by at least one
 * container", "  - all dangling images", "  - all dangling build cache", an
 * empty line, "  Items to be pruned will be filtered with:", "  - label=…",
 * an empty line and "Are you sure you want to continue? [y/N] "; `n`
 * removes nothing and prints nothing more. `--filter bogus=1`: "Error
 * response from daemon: Invalid filter 'bogus'", exit 1.
 * `system df --format '{{json .}}'`: Active, Reclaimable, Size,
 * TotalCount, Type; for a volume of 3 bytes mounted by a stopped
 * container: "Local Volumes   1   1   3B   0B (0%)", and `-v` its row
 * "d14-dfv   1   3B" under "Local Volumes space usage:".
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("system prune: Docker's sections, its prompt, and --filter on every kind", async () => {
  await withRoot(async (root) => {
    const id =
      (await root.run("create", "--name", "pruned", "-l", "d14-prune=1", "busybox", "true"))
        .stdout.trim();
    assertEquals((await root.run("create", "--name", "kept", "busybox", "true")).code, 0);
    const image = (await root.run("commit", "-c", "LABEL d14-prune=1", "kept")).stdout.trim();
    assertEquals((await root.run("commit", "kept", "unlabelled:1")).code, 0);
    assertEquals((await root.run("volume", "create", "--label", "d14-prune=1", "vol1")).code, 0);
    assertEquals((await root.run("volume", "create", "vol2")).code, 0);

    const asked = await root.runWith(
      { stdin: "n\n" },
      "system",
      "prune",
      "--filter",
      "label=d14-prune=1",
    );
    assertEquals(asked.code, 0);
    assertEquals(
      asked.stdout,
      [
        "WARNING! This will remove:",
        "  - all stopped containers",
        "  - all networks not used by at least one container",
        "  - all dangling images",
        "  - all dangling build cache",
        "",
        "  Items to be pruned will be filtered with:",
        "  - label=d14-prune=1",
        "",
        "Are you sure you want to continue? [y/N] ",
      ].join("\n"),
    );
    assertEquals(root.store().ids().length, 2, "a no removed nothing");

    const pruned = await root.run(
      "system",
      "prune",
      "-f",
      "--volumes",
      "--filter",
      "label=d14-prune=1",
    );
    assertEquals(pruned.code, 0, pruned.stderr);
    assertEquals(
      pruned.stdout,
      `Deleted Containers:\n${id}\n\nDeleted Volumes:\nvol1\n\nDeleted Images:\ndeleted: ${image}\n` +
        "\nTotal reclaimed space: 0B\n",
    );
    assertEquals(root.store().ids().length, 1);
    assertEquals((await root.run("volume", "ls", "-q")).stdout, "vol2\n");
    assert((await root.run("images", "-q", "unlabelled")).stdout !== "", "a tagged image stays");

    const bad = await root.run("system", "prune", "-f", "--filter", "bogus=1");
    assertEquals([bad.code, bad.stderr], [
      1,
      "Error response from daemon: Invalid filter 'bogus'\n",
    ]);
  });
});

Deno.test("system prune: unused bridge networks go, predefined ones and those in use stay", async () => {
  await withRoot(async (root) => {
    const made = await root.run("network", "create", "--subnet", "10.241.77.0/24", "d14-unused");
    assertEquals(made.code, 0, made.stderr);
    const pruned = await root.run("system", "prune", "-f");
    assertEquals(pruned.stdout, "Deleted Networks:\nd14-unused\n\nTotal reclaimed space: 0B\n");
    const left = await root.run("network", "ls", "--format", "{{.Name}}");
    assertEquals(left.stdout, "host\nnone\n");
  });
});

Deno.test("image prune --filter label, and system df --format and -v with a volume", async () => {
  await withRoot(async (root) => {
    assertEquals((await root.run("create", "--name", "src", "busybox", "true")).code, 0);
    const labelled = (await root.run("commit", "-c", "LABEL keep=no", "src")).stdout.trim();
    const plain = (await root.run("commit", "src")).stdout.trim();
    const prune = await root.run("image", "prune", "-f", "--filter", "label=keep=no");
    assertEquals(
      prune.stdout,
      `Deleted Images:\ndeleted: ${labelled}\n\nTotal reclaimed space: 0B\n`,
    );
    assertEquals((await root.run("images", "-q", "--no-trunc")).stdout.includes(plain), true);

    const run = await root.run(
      "run",
      "--name",
      "dfc",
      "-v",
      "dfv:/v",
      "busybox",
      "sh",
      "-c",
      "echo hi > /v/f",
    );
    assertEquals(run.code, 0, run.stderr);
    const json = (await root.run("system", "df", "--format", "{{json .}}")).stdout.trim().split(
      "\n",
    )
      .map((l) => JSON.parse(l));
    assertEquals(Object.keys(json[0]), ["Active", "Reclaimable", "Size", "TotalCount", "Type"]);
    assertEquals(json[2], {
      Active: "1",
      Reclaimable: "0B (0%)",
      Size: "3B",
      TotalCount: "1",
      Type: "Local Volumes",
    });
    const verbose = (await root.run("system", "df", "-v")).stdout;
    assertMatch(
      verbose,
      /Local Volumes space usage:\n\nVOLUME NAME {3}LINKS {5}SIZE\ndfv {11}1 {9}3B\n/,
    );
    assertMatch(verbose, /^Images space usage:\n\nREPOSITORY {3}TAG {7}IMAGE ID/);
    assertMatch(verbose, /\nBuild cache usage: 0B\n\nCACHE ID {3}CACHE TYPE/);
  });
});
