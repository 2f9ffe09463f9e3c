/**
 * image prune (dangling, -a, the prompt), system df, and the image/system
 * management groups mapping to the commands they are.
 */

import { createHash } from "node:crypto";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { type TestRoot, withRoot } from "../_harness.ts";

/** Docker's size of a layer directory: files and symlinks, each inode once. */
function duOf(dir: string, seen = new Set<number>()): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) {
    const info = Deno.lstatSync(`${dir}/${e.name}`);
    if (info.isDirectory) n += duOf(`${dir}/${e.name}`, seen);
    else if ((info.isFile || info.isSymlink) && !seen.has(info.ino!)) {
      seen.add(info.ino!);
      n += info.size;
    }
  }
  return n;
}

/** go-units HumanSize (4 significant digits). */
function human(n: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

async function image(root: TestRoot, ref: string) {
  const r = await root.run("image", "inspect", ref);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

/** An untagged (or `ref`) commit of a busybox container that wrote `file`; resolves to its ID. */
async function commitOf(root: TestRoot, file: string, ref?: string): Promise<string> {
  const name = `c-${crypto.randomUUID().slice(0, 8)}`;
  assertEquals(
    (await root.run("run", "--name", name, "busybox", "sh", "-c", `echo x > /${file}`)).code,
    0,
  );
  const c = await root.run("commit", name, ...(ref ? [ref] : []));
  assertEquals(c.code, 0, c.stderr);
  assertEquals((await root.run("rm", name)).code, 0);
  return c.stdout.trim();
}

function dfRows(stdout: string): string[][] {
  return stdout.trimEnd().split("\n").map((l) => l.split(/\s{2,}/));
}

Deno.test("image prune: dangling only, then -a; used images stay; Docker's lines; system df", async () => {
  await withRoot(async (root) => {
    const dangling = await commitOf(root, "dangling");
    await commitOf(root, "kept", "kept:1");
    const used = await commitOf(root, "used");
    assertEquals((await root.run("create", "--name", "user", used, "true")).code, 0);
    const busybox = (await image(root, "busybox")).Id;

    // df: four images, one used; the layers' bytes once each; the used image's own layer kept.
    const layersDir = `${root.dir}/layers`;
    const layerSize = (diffId: string) => duOf(`${layersDir}/${diffId.slice(7)}`);
    const layerIds = [...Deno.readDirSync(layersDir)].filter((e) => e.isDirectory)
      .map((e) => `sha256:${e.name}`);
    assertEquals(layerIds.length, 4);
    const total = layerIds.reduce((n, d) => n + layerSize(d), 0);
    const usedTop = (await image(root, used)).RootFS.Layers[1];
    const reclaimable = total - layerSize(usedTop);
    const df = await root.run("system", "df");
    assertEquals(df.code, 0, df.stderr);
    assertEquals(dfRows(df.stdout), [
      ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
      [
        "Images",
        "4",
        "1",
        human(total),
        `${human(reclaimable)} (${Math.floor(reclaimable * 100 / total)}%)`,
      ],
      ["Containers", "1", "0", "0B", "0B"],
      ["Local Volumes", "0", "0", "0B", "0B"],
      ["Build Cache", "0", "0", "0B", "0B"],
    ]);

    const d = await image(root, dangling);
    const [bottom, top] = d.RootFS.Layers;
    const chain = `sha256:${createHash("sha256").update(`${bottom} ${top}`).digest("hex")}`;
    const prune = await root.run("image", "prune", "-f");
    assertEquals(prune.code, 0, prune.stderr);
    assertEquals(
      prune.stdout,
      `Deleted Images:\ndeleted: ${dangling}\ndeleted: ${chain}\n\nTotal reclaimed space: 2B\n`,
    );
    assertEquals((await root.run("image", "prune", "-f")).stdout, "Total reclaimed space: 0B\n");

    // Declined: nothing goes.
    const declined = await root.runWith({ stdin: "n\n" }, "image", "prune", "-a");
    assertEquals(
      declined.stdout,
      "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] ",
    );
    assertEquals((await root.run("image", "ls", "-q")).stdout.trim().split("\n").length, 3);

    const all = await root.runWith({ stdin: "y\n" }, "image", "prune", "-a");
    assertEquals(all.code, 0, all.stderr);
    for (const line of ["untagged: busybox:latest", `deleted: ${busybox}`, "untagged: kept:1"]) {
      assertStringIncludes(all.stdout, `${line}\n`);
    }
    // busybox's layer stays: the used image is built on it.
    assert(!all.stdout.includes(`deleted: ${bottom}`), all.stdout);
    assertEquals((await root.run("image", "ls", "-q", "--no-trunc")).stdout, `${used}\n`);
    const after = dfRows((await root.run("system", "df")).stdout);
    assertEquals(after[1].slice(0, 3), ["Images", "1", "1"]);
    assertEquals(after[1][4], "0B (0%)");
  });
});

Deno.test("image and system groups: subcommands are the commands they name", async () => {
  await withRoot(async (root) => {
    assertEquals((await root.run("image", "ls")).stdout, (await root.run("images")).stdout);
    assertEquals((await root.run("image", "tag", "busybox", "other:2")).code, 0);
    assertStringIncludes((await root.run("image", "ls")).stdout, "other ");
    const rm = await root.run("image", "rm", "other:2");
    assertEquals([rm.code, rm.stdout], [0, "Untagged: other:2\n"]);
    const history = await root.run("image", "history", "-q", "busybox");
    assertEquals(history.stdout, (await root.run("history", "-q", "busybox")).stdout);
    // image inspect looks at images only.
    assertEquals((await root.run("create", "--name", "busybox-user", "busybox", "true")).code, 0);
    const notImage = await root.run("image", "inspect", "busybox-user");
    assertEquals([notImage.code, notImage.stderr], [1, "Error: No such image: busybox-user\n"]);
    // Docker 20.10: the group's usage on stderr after an empty line, exit 1.
    const bad = await root.run("image", "bogus");
    assertEquals([bad.code, bad.stderr.split("\n").slice(0, 2)], [1, [
      "",
      "Usage:  dockergsh image COMMAND",
    ]]);
    const extra = await root.run("system", "df", "x");
    assertEquals([extra.code, extra.stderr], [1, `"dockergsh system df" accepts no arguments.\n`]);
  });
});
