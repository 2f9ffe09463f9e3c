import { createHash } from "node:crypto";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { BUSYBOX_TAR, MAIN, withRoot } from "../_harness.ts";
import { buildTar } from "../_tar_writer.ts";

function entries(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

Deno.test("import: gzip from stdin, listed by images, runnable, with --change CMD", async () => {
  await withRoot(async (root) => {
    const gz = await new Deno.Command("gzip", { args: ["-c", BUSYBOX_TAR], stdout: "piped" })
      .output();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        MAIN,
        "--root",
        root.dir,
        "import",
        "-c",
        'CMD ["echo", "from-cmd"]',
        "-",
        "gz:v1",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(gz.stdout);
    await w.close();
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assert(/^sha256:[0-9a-f]{64}\n$/.test(new TextDecoder().decode(out.stdout)));

    const images = await root.run("images");
    const lines = images.stdout.trim().split("\n");
    assert(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/.test(lines[0]), lines[0]);
    assert(lines.some((l) => /^gz\s+v1\s+[0-9a-f]{12}\s+.+ago\s+[\d.]+MB$/.test(l)), images.stdout);
    const run = await root.run("run", "--rm", "gz:v1");
    assertEquals([run.code, run.stdout], [0, "from-cmd\n"]);
  });
});

Deno.test("import: garbage, hostile and missing files fail with one line and leave nothing", async () => {
  await withRoot(async (root) => {
    const before = entries(`${root.dir}/images`);
    const garbage = await Deno.makeTempFile();
    const hostile = await Deno.makeTempFile();
    try {
      await Deno.writeTextFile(garbage, "not a tarball at all".repeat(100));
      await Deno.writeFile(hostile, buildTar([{ name: "../../escape", data: "x" }]));
      for (
        const [file, why] of [[garbage, "not a tar archive"], [hostile, "'..'"], [
          "/nonexistent.tar",
          "no such file",
        ]]
      ) {
        const r = await root.run("import", file, "bad");
        assertEquals(r.code, 125);
        assertStringIncludes(r.stderr, why);
        assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      }
      assertEquals(entries(`${root.dir}/images`), before);
      assertEquals(entries(`${root.dir}/tmp`), []);
      const badRef = await root.run("import", BUSYBOX_TAR, "Bad:Name");
      assertEquals(badRef.code, 125);
      assertStringIncludes(badRef.stderr, "invalid reference format");
    } finally {
      await Deno.remove(garbage);
      await Deno.remove(hostile);
    }
  });
});

Deno.test("rmi: refuses an image a container uses, -f only untags it, unused images are deleted", async () => {
  await withRoot(async (root) => {
    const id = (await root.run("images", "-q", "busybox")).stdout.trim();
    assert(/^[0-9a-f]{12}$/.test(id), id);
    const created = await root.run("create", "--name", "user", "busybox", "true");
    assertEquals(created.code, 0, created.stderr);

    const refused = await root.run("rmi", "busybox");
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.stderr, "container");
    assertStringIncludes(refused.stderr, "is using its referenced image");

    const forced = await root.run("rmi", "-f", "busybox");
    assertEquals([forced.code, forced.stdout], [0, "Untagged: busybox:latest\n"]);
    const listed = await root.run("images");
    assert(listed.stdout.includes(`<none>       <none>    ${id}`), listed.stdout);
    const started = await root.run("start", "user");
    assertEquals(started.code, 0, started.stderr);

    assertEquals((await root.run("rm", "-f", "user")).code, 0);
    const deleted = await root.run("rmi", id);
    assertEquals(deleted.code, 0, deleted.stderr);
    assertStringIncludes(deleted.stdout, "Deleted: sha256:");
    assertEquals(entries(`${root.dir}/images`).filter((e) => e !== "repositories.json"), []);

    const missing = await root.run("rmi", "nothere");
    assertEquals(missing.code, 1);
    assertStringIncludes(missing.stderr, "No such image: nothere");
  });
});

Deno.test("tag: a second name for one image; rmi of one tag keeps the image and the other", async () => {
  await withRoot(async (root) => {
    const tagged = await root.run("tag", "busybox", "mine/box:v2");
    assertEquals(tagged.code, 0, tagged.stderr);
    const listed = await root.run("images");
    assert(/^mine\/box\s+v2\s+/m.test(listed.stdout), listed.stdout);
    const untag = await root.run("rmi", "mine/box:v2");
    assertEquals([untag.code, untag.stdout], [0, "Untagged: mine/box:v2\n"]);
    assertEquals((await root.run("images", "-q")).stdout.trim().split("\n").length, 1);
    const run = await root.run("run", "--rm", "busybox", "true");
    assertEquals(run.code, 0, run.stderr);
    const bad = await root.run("tag", "nothere", "x");
    assertEquals([bad.code, bad.stderr], [
      1,
      "Error response from daemon: No such image: nothere:latest\n",
    ]);
  });
});

/** Runs a host program to completion; its exit code. */
function host(program: string, ...args: string[]): number {
  return new Deno.Command(program, { args, stdin: "null", stderr: "null" }).outputSync().code;
}

Deno.test("rmi stopped midway leaves no listed or runnable image; the next write removes the rest", async () => {
  await withRoot(async (root) => {
    // An image whose layer no other image has (busybox's is shared by every import of it).
    assertEquals(
      (await root.run("run", "--name", "src", "busybox", "sh", "-c", "echo x > /x")).code,
      0,
    );
    const doomed = await root.run("commit", "src", "doomed");
    assertEquals(doomed.code, 0, doomed.stderr);
    assertEquals((await root.run("rm", "src")).code, 0);
    const id = doomed.stdout.trim().replace(/^sha256:/, "");
    // The commit's own layer: the one on top of busybox's.
    const layers = JSON.parse(Deno.readTextFileSync(`${root.dir}/images/${id}/image.json`)).layers;
    const layer = layers.at(-1);
    const layerDir = `${root.dir}/layers/${layer.slice("sha256:".length)}`;
    // A mount point inside the image's only layer: its removal deletes what
    // it can and stops there (EBUSY), as a removal killed midway would.
    const busy = `${layerDir}/busy`;
    Deno.mkdirSync(busy);
    assertEquals(host("mount", "-t", "tmpfs", "dgsh-test-busy", busy), 0);
    const leftovers = () => entries(`${root.dir}/tmp`).filter((n) => n.startsWith("rm-layer-"));
    try {
      const rmi = await root.run("rmi", "doomed");
      assertEquals(rmi.code, 0, rmi.stderr);
      // Docker's lines: the image, then its own layer by chain ID (busybox's stays: busybox has it).
      const chain = createHash("sha256").update(`${layers[0]} ${layers[1]}`).digest("hex");
      assertEquals(
        rmi.stdout,
        `Untagged: doomed:latest\nDeleted: sha256:${id}\nDeleted: sha256:${chain}\n`,
      );
      assert(!exists(`${root.dir}/images/${id}`), "the image is still under its own name");
      assert(!exists(layerDir), "the layer is still in the store");
      assertEquals(leftovers().length, 1, "the removal did not stop at the mount point");

      const images = await root.run("images", "-q", "--no-trunc");
      assertEquals(images.stdout.includes(id), false, images.stdout);
      assertEquals(images.stdout.trim().split("\n").length, 1, images.stdout);
      for (const ref of ["doomed", id, id.slice(0, 12)]) {
        const run = await root.run("run", "--rm", ref, "true");
        assertEquals(run.code, 125, `run ${ref}: ${run.stdout}`);
        assertStringIncludes(run.stderr, "Unable to find image");
      }
    } finally {
      const [left] = leftovers();
      host("umount", left ? `${root.dir}/tmp/${left}/tree/busy` : busy);
    }
    // Reads leave the rest alone; the next write (an import) removes it.
    assertEquals((await root.run("images")).code, 0);
    assertEquals(leftovers().length, 1);
    const again = await root.run("import", BUSYBOX_TAR, "again");
    assertEquals(again.code, 0, again.stderr);
    assertEquals(leftovers(), []);
    const run = await root.run("run", "--rm", "again", "true");
    assertEquals(run.code, 0, run.stderr);
  });
});
