/**
 * diff and export, from what Docker 20.10 printed here for the same
 * commands in the same busybox rootfs:
 *
 * `mkdir -p /tmp/d/e; echo x > /tmp/d/e/f; rm /etc/group; echo y >> /etc/passwd; ln -s /etc /lnk`
 *   → C /tmp, A /tmp/d, A /tmp/d/e, A /tmp/d/e/f, C /etc, C /etc/passwd, D /etc/group, A /lnk
 * `rm -rf /usr; mkdir /usr; touch /usr/x; echo > /bin/newf; touch /root/a; rm /root/a; mkfifo /tmp/ff; ln /bin/busybox /hl`
 *   → A /usr, A /usr/x, A /hl, C /bin, A /bin/newf, C /tmp, A /tmp/ff
 *   (no C /root, no C /bin/busybox), and in its export `hl` a hard link to
 *   bin/busybox, `tmp/ff` a fifo, `usr/` holding only `x`.
 * `export -o FILE` made the file mode 0600.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { BUSYBOX_TAR, eventually, withRoot } from "../_harness.ts";
import { tarListing } from "../_tar_listing.ts";

const sorted = (lines: string) => lines.trimEnd().split("\n").sort();

Deno.test("diff: A/C/D from the upper layer, whiteouts as D, as Docker reports them", async () => {
  await withRoot(async (root) => {
    const script = "mkdir -p /tmp/d/e; echo x > /tmp/d/e/f; rm /etc/group; " +
      "echo y >> /etc/passwd; ln -s /etc /lnk";
    assertEquals((await root.run("run", "--name", "d1", "busybox", "sh", "-c", script)).code, 0);
    const d1 = await root.run("diff", "d1");
    assertEquals(d1.code, 0, d1.stderr);
    assertEquals(sorted(d1.stdout), [
      "A /lnk",
      "A /tmp/d",
      "A /tmp/d/e",
      "A /tmp/d/e/f",
      "C /etc",
      "C /etc/passwd",
      "C /tmp",
      "D /etc/group",
    ]);
    // The D comes from a whiteout the kernel made: a 0:0 character device in the upper layer.
    const upper = `${root.dir}/containers/${root.store().resolve("d1").id}/upper`;
    const whiteout = Deno.lstatSync(`${upper}/etc/group`);
    assertEquals([whiteout.isCharDevice, whiteout.rdev], [true, 0]);

    const opaque = "rm -rf /usr; mkdir /usr; touch /usr/x; echo > /bin/newf; touch /root/a; " +
      "rm /root/a; mkfifo /tmp/ff; ln /bin/busybox /hl";
    assertEquals((await root.run("run", "--name", "d2", "busybox", "sh", "-c", opaque)).code, 0);
    assertEquals(sorted((await root.run("diff", "d2")).stdout), [
      "A /bin/newf",
      "A /hl",
      "A /tmp/ff",
      "A /usr",
      "A /usr/x",
      "C /bin",
      "C /tmp",
    ]);

    const exported = await root.runBytes("export", "d2");
    assertEquals(exported.code, 0, new TextDecoder().decode(exported.stderr));
    const entries = await tarListing(exported.stdout);
    assertEquals(entries.get("hl"), "h bin/busybox");
    assertEquals(entries.get("tmp/ff"), "p");
    assertEquals([...entries.keys()].filter((k) => k.startsWith("usr")), ["usr", "usr/x"]);
    assertEquals(entries.get("bin/sh"), "l busybox");
    // Everything else is the image's: every name of the rootfs is there but /usr's.
    const image = await tarListing(Deno.readFileSync(BUSYBOX_TAR));
    for (const name of image.keys()) {
      const clean = name.replace(/^\.\//, "");
      if (clean === "." || clean === "" || clean.startsWith("usr/")) continue;
      assert(entries.has(clean), `export lacks ${clean}`);
    }

    const file = `${root.dir}/d2.tar`;
    const toFile = await root.run("export", "-o", file, "d2");
    assertEquals([toFile.code, toFile.stdout], [0, ""], toFile.stderr);
    assertEquals(Deno.statSync(file).mode! & 0o777, 0o600);
    assertEquals(Deno.readFileSync(file), exported.stdout);
    const notThere = await root.run("export", "-o", `${root.dir}/no/such/dir/x.tar`, "d2");
    assertEquals(notThere.code, 125);
  });
});

Deno.test("export: a running container's symlinks are written as links, never followed on the host", async () => {
  await withRoot(async (root) => {
    const script = "ln -s / /rootlink; ln -s /etc/shadow /shadowlink; mkdir /x; " +
      "ln -s ../../../../../../../../etc /x/up; echo ready; sleep 300";
    assertEquals(
      (await root.run("run", "-d", "--name", "links", "busybox", "sh", "-c", script)).code,
      0,
    );
    const id = root.store().resolve("links").id;
    const upper = `${root.dir}/containers/${id}/upper`;
    await eventually(() => exists(`${upper}/x/up`));
    const exported = await root.runBytes("export", "links");
    assertEquals(exported.code, 0, new TextDecoder().decode(exported.stderr));
    const entries = await tarListing(exported.stdout);
    assertEquals(entries.get("rootlink"), "l /");
    assertEquals(entries.get("shadowlink"), "l /etc/shadow");
    assertEquals(entries.get("x/up"), "l ../../../../../../../../etc");
    // Nothing from the host's /etc came in through the links.
    assert(![...entries.keys()].some((k) => k.startsWith("x/up/") || k.startsWith("rootlink/")));
  });
});

// Docker 20.10 here: `ls -l /etc/mtab` in a busybox container "/etc/mtab -> /proc/mounts" (its init
// layer's), `export` lists etc/mtab, and neither `diff` nor a commit's layer has it.
Deno.test("/etc/mtab: Docker's link to /proc/mounts, in export, not in diff or commit", async () => {
  await withRoot(async (root) => {
    const run = await root.run(
      "run",
      "--name",
      "mt",
      "busybox",
      "sh",
      "-c",
      "readlink /etc/mtab; wc -l < /etc/mtab",
    );
    assertEquals(run.code, 0, run.stderr);
    const [link, mounts] = run.stdout.trim().split("\n");
    assertEquals(link, "/proc/mounts");
    assert(Number(mounts) > 5, `the container's mounts through the link: ${mounts}`);
    assertEquals((await root.run("diff", "mt")).stdout, "");
    const exported = await tarListing((await root.runBytes("export", "mt")).stdout);
    assertEquals(exported.get("etc/mtab"), "l /proc/mounts");
    const commit = await root.run("commit", "mt", "mtab-img");
    assertEquals(commit.code, 0, commit.stderr);
    // No change made: the image's layers, and nothing on top.
    const layers = async (ref: string) =>
      JSON.parse((await root.run("image", "inspect", ref)).stdout)[0].RootFS.Layers;
    assertEquals(await layers("mtab-img"), await layers("busybox"));
  });
});
