/**
 * cp, from what Docker 20.10 did here with a container made by
 * `mkdir -p /d/s; echo hi > /d/s/f; ln -s /etc/passwd /d/link; ln -s ../../../../../../etc /esc`:
 * a file and a directory copied out (a new name, or into an existing
 * directory), a symlink copied as a symlink, `C:/d -` a tar of d/,
 * `/esc/hostname` the container's own /etc/hostname (the link resolved
 * inside the container), a host file copied in keeping its 1234:1234
 * owner, through /esc into the container's /etc (never the host's), a
 * directory copied into an existing one nested under its name, a tar on
 * stdin extracted into a directory; and the errors: "No such
 * container:path: C:/nosuch", "extraction point is not a directory",
 * `destination "C:/tmp/fromtar" must be a directory`, "lstat …: no such
 * file or directory", `invalid output path: directory "/nonexist/dir"
 * does not exist`, "must specify at least one container source",
 * "copying between containers is not supported", each exit 1.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { eventually, type TestRoot, withRoot } from "../_harness.ts";
import { tarListing } from "../_tar_listing.ts";
import { buildTar } from "../_tar_writer.ts";
import { untilInside } from "./_lifecycle.ts";

const SETUP = "mkdir -p /d/s; echo hi > /d/s/f; ln -s /etc/passwd /d/link; " +
  "ln -s ../../../../../../etc /esc";

async function tarOf(dir: string, name: string): Promise<Uint8Array> {
  const out = await new Deno.Command("tar", {
    args: ["-c", "-f", "-", "-C", dir, name],
    stdout: "piped",
  })
    .output();
  assertEquals(out.code, 0);
  return out.stdout;
}

async function checks(root: TestRoot, name: string, host: string): Promise<void> {
  const cp = (...args: string[]) => root.run("cp", ...args);
  // Out of the container.
  assertEquals((await cp(`${name}:/d/s/f`, `${host}/f`)).code, 0);
  assertEquals(Deno.readTextFileSync(`${host}/f`), "hi\n");
  assertEquals((await cp(`${name}:/d`, `${host}/out`)).code, 0);
  assertEquals(Deno.readTextFileSync(`${host}/out/s/f`), "hi\n");
  assertEquals(Deno.readLinkSync(`${host}/out/link`), "/etc/passwd");
  Deno.mkdirSync(`${host}/into`);
  assertEquals((await cp(`${name}:/d/s`, `${host}/into`)).code, 0);
  assertEquals(Deno.readTextFileSync(`${host}/into/s/f`), "hi\n");
  assertEquals((await cp(`${name}:/d/link`, `${host}/l1`)).code, 0);
  assertEquals(Deno.readLinkSync(`${host}/l1`), "/etc/passwd");
  // Through a symlink that climbs out: resolved inside the container.
  assertEquals((await cp(`${name}:/esc/hostname`, `${host}/esc-h`)).code, 0);
  const hostname = Deno.readTextFileSync(`${host}/esc-h`);
  assertEquals(hostname, `${root.store().resolve(name).config.hostname}\n`);
  assert(hostname !== Deno.readTextFileSync("/etc/hostname"));

  // Into the container.
  Deno.writeTextFileSync(`${host}/hostf`, "data\n");
  Deno.chownSync(`${host}/hostf`, 1234, 1234);
  assertEquals((await cp(`${host}/hostf`, `${name}:/tmp/`)).code, 0);
  assertEquals((await cp(`${host}/hostf`, `${name}:/esc/cmds-escape-test`)).code, 0);
  assertEquals((await cp(`${host}/hostf`, `${name}:/tmp/renamed`)).code, 0);
  Deno.mkdirSync(`${host}/hd`);
  Deno.writeTextFileSync(`${host}/hd/one`, "1\n");
  assertEquals((await cp(`${host}/hd`, `${name}:/tmp/hd2`)).code, 0);
  assertEquals((await cp(`${host}/hd`, `${name}:/tmp/hd2`)).code, 0);
  const tar = await tarOf(host, "hostf");
  const fromStdin = await root.runWith({ stdin: tar }, "cp", "-", `${name}:/d`);
  assertEquals(fromStdin.code, 0, fromStdin.stderr);

  // Errors, each one line and exit 1.
  const errors: Array<[string[], string]> = [
    [[`${name}:/nosuch`, `${host}/x`], `Error: No such container:path: ${name}:/nosuch`],
    [[`${host}/hostf`, `${name}:/nodir/x`], `Error: No such container:path: ${name}:/nodir`],
    // Docker 20.10: a file copied to a missing PATH/ (a directory asked for).
    [[`${host}/hostf`, `${name}:/nodir/`], "no such directory"],
    [
      [`${host}/hostf`, `${name}:/d/s/f/x`],
      "Error response from daemon: extraction point is not a directory",
    ],
    [["-", `${name}:/tmp/fromtar`], `destination "${name}:/tmp/fromtar" must be a directory`],
    [[`${host}/nosuch`, `${name}:/tmp`], `lstat ${host}/nosuch: no such file or directory`],
    [
      [`${name}:/d/s/f`, "/nonexist/dir/f"],
      'invalid output path: directory "/nonexist/dir" does not exist',
    ],
    [["a", "b"], "must specify at least one container source"],
    [[`${name}:/a`, `${name}:/b`], "copying between containers is not supported"],
  ];
  for (const [args, line] of errors) {
    const r = await cp(...args);
    assertEquals([r.code, r.stderr], [1, `${line}\n`], args.join(" "));
  }
  assert(!exists("/etc/cmds-escape-test"), "a copy escaped to the host's /etc");
}

/** What the copies-in left in the container, seen from inside it. */
async function inside(root: TestRoot, name: string): Promise<string> {
  const r = await root.run(
    "exec",
    name,
    "sh",
    "-c",
    "ls -ln /tmp/hostf /etc/cmds-escape-test /tmp/renamed /d/hostf | awk '{print $3, $4, $5, $9}'; " +
      "find /tmp/hd2 | sort",
  );
  assertEquals(r.code, 0, r.stderr);
  return r.stdout;
}

const EXPECTED_INSIDE = [
  "1234 1234 5 /d/hostf",
  "1234 1234 5 /etc/cmds-escape-test",
  "1234 1234 5 /tmp/hostf",
  "1234 1234 5 /tmp/renamed",
  "/tmp/hd2",
  "/tmp/hd2/hd",
  "/tmp/hd2/hd/one",
  "/tmp/hd2/one",
  "",
].join("\n");

Deno.test("cp: a running container, both ways, tar streams, paths kept inside the container", async () => {
  await withRoot(async (root) => {
    const host = Deno.makeTempDirSync({ prefix: "dgsh-test-cp-" });
    try {
      const run = await root.run(
        "run",
        "-d",
        "--name",
        "live",
        "busybox",
        "sh",
        "-c",
        `${SETUP}; sleep 300`,
      );
      assertEquals(run.code, 0, run.stderr);
      await untilInside(root, "live", "test", "-L", "/esc");
      await checks(root, "live", host);
      assertEquals(await inside(root, "live"), EXPECTED_INSIDE);
      // `C:/d -` is a tar of d/ as Docker writes it.
      const out = await root.runBytes("cp", "live:/d", "-");
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      assertEquals(Object.fromEntries(await tarListing(out.stdout)), {
        "d": "d",
        "d/hostf": "-",
        "d/link": "l /etc/passwd",
        "d/s": "d",
        "d/s/f": "-",
      });
    } finally {
      Deno.removeSync(host, { recursive: true });
    }
  });
});

Deno.test("cp: a stopped container through its overlay mounted privately; nothing stays mounted", async () => {
  await withRoot(async (root) => {
    const host = Deno.makeTempDirSync({ prefix: "dgsh-test-cp-" });
    try {
      assertEquals((await root.run("run", "--name", "done", "busybox", "sh", "-c", SETUP)).code, 0);
      await checks(root, "done", host);
      const merged = `${root.dir}/containers/${root.store().resolve("done").id}/merged`;
      assertEquals(Deno.readTextFileSync("/proc/self/mountinfo").includes(merged), false);
      // What was copied in is in the container's upper layer, seen once it runs.
      const upper = `${root.dir}/containers/${root.store().resolve("done").id}/upper`;
      assertEquals(Deno.statSync(`${upper}/tmp/hostf`).uid, 1234);
      assertEquals((await root.run("start", "done")).code, 0);
    } finally {
      Deno.removeSync(host, { recursive: true });
    }
  });
});

// Docker mounts a stopped container's volumes for cp: seeding a volume before the first start works.
Deno.test("cp: a stopped container's volumes are in its tree, a missing mount point is made", async () => {
  await withRoot(async (root) => {
    const host = Deno.makeTempDirSync({ prefix: "dgsh-test-cp-" });
    try {
      Deno.writeTextFileSync(`${host}/seed`, "seeded\n");
      const made = await root.run(
        "create",
        "--name",
        "vc",
        "-v",
        "seedvol:/data2",
        "busybox",
        "cat",
        "/data2/x",
      );
      assertEquals(made.code, 0, made.stderr);
      const cp = await root.run("cp", `${host}/seed`, "vc:/data2/x");
      assertEquals(cp.code, 0, cp.stderr);
      assertEquals(Deno.readTextFileSync(`${root.dir}/volumes/seedvol/_data/x`), "seeded\n");
      const run = await root.run("start", "-a", "vc");
      assertEquals([run.code, run.stdout], [0, "seeded\n"], run.stderr);
      assertEquals(
        Deno.readTextFileSync("/proc/self/mountinfo").includes(root.dir + "/containers"),
        false,
      );
    } finally {
      Deno.removeSync(host, { recursive: true });
    }
  });
});

Deno.test("cp - into a container: a hostile archive stays inside the destination", async () => {
  await withRoot(async (root) => {
    const run = await root.run("run", "-d", "--name", "target", "busybox", "sleep", "300");
    assertEquals(run.code, 0, run.stderr);
    const marker = `dgsh-cp-escape-${crypto.randomUUID().slice(0, 8)}`;
    // A symlink to the host's / and a file written "through" it.
    const through = buildTar([
      { name: "up", type: "symlink", linkname: "/" },
      { name: `up/${marker}`, data: "through a link\n" },
    ]);
    const out = await root.runWith({ stdin: through }, "cp", "-", "target:/tmp");
    assertEquals(out.code, 0, out.stderr);
    assert(!exists(`/${marker}`), "a file landed in the host's /");
    // The link resolved inside the destination directory.
    const inside = await root.run("exec", "target", "cat", `/tmp/${marker}`);
    assertEquals(inside.stdout, "through a link\n");

    const dotdot = buildTar([{ name: `../../../../tmp/${marker}`, data: "climbing\n" }]);
    const o2 = await root.runWith({ stdin: dotdot }, "cp", "-", "target:/tmp");
    assertEquals(o2.code, 1);
    assertEquals(
      o2.stderr,
      `Error response from daemon: invalid path in archive: ../../../../tmp/${marker}\n`,
    );
    assert(!exists(`/tmp/${marker}`), "a file landed on the host's /tmp");
  });
});

// Docker 20.10 here: a host symlink owned by 1000:1001, copied in as itself (`cp HOST/l C:/tmp/l2`)
// or in a tar on stdin, keeps that owner (`ls -ln`: "1000 1001 … l2 -> f"); `cp -L HOST/l C:/tmp/l3`
// is the file it points to, under the name l3; `cp -L C:/lf OUT` (lf -> /tmp/d/e/f in the
// container) writes the file's content to OUT, and `cp C:/lf OUT` the link.
Deno.test("cp: a symlink's own owner copied in, -L follows SRC's symlink both ways", async () => {
  await withRoot(async (root) => {
    const host = Deno.makeTempDirSync({ prefix: "dgsh-test-cp-" });
    try {
      Deno.writeTextFileSync(`${host}/f`, "f\n");
      Deno.symlinkSync("f", `${host}/l`);
      await new Deno.Command("chown", { args: ["-h", "1000:1001", `${host}/l`, `${host}/f`] })
        .output();
      const run = await root.run(
        "run",
        "-d",
        "--name",
        "links",
        "busybox",
        "sh",
        "-c",
        "mkdir -p /tmp/d/e; echo x > /tmp/d/e/f; ln -s /tmp/d/e/f /lf; sleep 300",
      );
      assertEquals(run.code, 0, run.stderr);
      await eventually(async () =>
        (await root.run("exec", "links", "test", "-L", "/lf")).code === 0
      );
      const cp = async (...args: string[]) => {
        const r = await root.run("cp", ...args);
        assertEquals(r.code, 0, `cp ${args.join(" ")}: ${r.stderr}`);
      };
      await cp(`${host}/l`, "links:/tmp/l2");
      await cp("-L", `${host}/l`, "links:/tmp/l3");
      await cp("-L", `${host}/l`, "links:/tmp/d/");
      const listed = await root.run(
        "exec",
        "links",
        "sh",
        "-c",
        "stat -c '%n %u:%g %F' /tmp/l2 /tmp/l3 /tmp/d/l; readlink /tmp/l2; cat /tmp/l3",
      );
      assertEquals(
        listed.stdout,
        "/tmp/l2 1000:1001 symbolic link\n/tmp/l3 1000:1001 regular file\n" +
          "/tmp/d/l 1000:1001 regular file\nf\nf\n",
      );
      // The kernel's view of the link's owner: lstat from the host side, through /proc.
      const pid = JSON.parse((await root.run("inspect", "links")).stdout)[0].State.Pid;
      const link = Deno.lstatSync(`/proc/${pid}/root/tmp/l2`);
      assertEquals([link.isSymlink, link.uid, link.gid], [true, 1000, 1001]);
      // Its own time too, to the second a tar keeps (Docker's `ls -l` showed the host link's).
      const hostLink = Deno.lstatSync(`${host}/l`);
      assertEquals(
        Math.floor(link.mtime!.getTime() / 1000),
        Math.floor(hostLink.mtime!.getTime() / 1000),
      );

      await cp("-L", "links:/lf", `${host}/out`);
      assertEquals([Deno.lstatSync(`${host}/out`).isFile, Deno.readTextFileSync(`${host}/out`)], [
        true,
        "x\n",
      ]);
      await cp("links:/lf", `${host}/plain`);
      assertEquals(Deno.readLinkSync(`${host}/plain`), "/tmp/d/e/f");
      const tar = await root.runBytes("cp", "-L", "links:/lf", "-");
      const names = await new Deno.Command("tar", {
        args: ["-tv", "-f", "-"],
        stdin: "piped",
        stdout: "piped",
      })
        .spawn();
      const w = names.stdin.getWriter();
      await w.write(tar.stdout);
      await w.close();
      const line = new TextDecoder().decode((await names.output()).stdout).trim();
      assert(line.startsWith("-") && line.endsWith(" lf"), line);
    } finally {
      Deno.removeSync(host, { recursive: true });
    }
  });
});
