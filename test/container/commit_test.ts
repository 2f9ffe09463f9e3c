/**
 * `commit` on the real kernel: the new image is proven by running
 * containers from it, and by reading its rootfs.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { withRoot } from "../_harness.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { alive, inspect, started, untilInside } from "./_lifecycle.ts";

Deno.test("commit: added, changed and deleted files, an opaque directory, owners and modes", async () => {
  await withRoot(async (root) => {
    const change = await root.run(
      "run",
      "--name",
      "src",
      "busybox",
      "sh",
      "-c",
      [
        "echo new > /x",
        "chown 1000:1001 /x",
        "chmod 640 /x",
        "echo changed > /etc/motd",
        "rm /bin/ls",
        "mkdir -p /opt/deep/er && echo d > /opt/deep/er/f",
        "rm -rf /var && mkdir /var && echo only > /var/only", // an opaque directory
      ].join("; "),
    );
    assertEquals(change.code, 0, change.stderr);
    const c = await root.run("commit", "-m", "a message", "src", "snap:v1");
    assertEquals(c.code, 0, c.stderr);
    assertMatch(c.stdout, /^sha256:[0-9a-f]{64}\n$/);

    const check = await root.run(
      "run",
      "--rm",
      "snap:v1",
      "sh",
      "-c",
      "cat /x /etc/motd /opt/deep/er/f; stat -c '%u:%g %a' /x; [ -e /bin/ls ] && echo ls-present || echo ls-absent; ls -A /var",
    );
    assertEquals(check.code, 0, check.stderr);
    assertEquals(check.stdout, "new\nchanged\nd\n1000:1001 640\nls-absent\nonly\n");
    // The source image and the committed container are as they were.
    const intact = await root.run(
      "run",
      "--rm",
      "busybox",
      "sh",
      "-c",
      "[ -e /bin/ls ] && [ -d /var/www ] && echo intact; cat /x",
    );
    assertEquals([intact.code, intact.stdout], [1, "intact\n"]);
    assertEquals((await root.run("start", "src")).code, 0);

    const image = await inspect(root, "snap:v1");
    assertEquals(image.Id, c.stdout.trim());
    assertEquals(image.Comment, "a message");
    assertEquals(image.RepoTags, ["snap:v1"]);
    // One layer on top of busybox's, which is shared, not copied.
    const base = await inspect(root, "busybox");
    assertEquals(image.RootFS.Layers.length, base.RootFS.Layers.length + 1);
    assertEquals(image.RootFS.Layers.slice(0, -1), base.RootFS.Layers);
    assertEquals(image.GraphDriver.Data.LowerDir, base.GraphDriver.Data.UpperDir);
    // The top layer holds only the changes, deletions in overlay's form, and no engine mount point.
    const top = image.GraphDriver.Data.UpperDir;
    const ls = Deno.lstatSync(`${top}/bin/ls`);
    assert(ls.isCharDevice && ls.rdev === 0, "rm /bin/ls is not a whiteout in the new layer");
    assertEquals([...Deno.readDirSync(`${top}/bin`)].length, 1, "the new layer copied /bin");
    assertEquals(Deno.readTextFileSync(`${top}/x`), "new\n");
    assertEquals([...Deno.readDirSync(`${top}/var`)].map((e) => e.name), ["only"]);
    const opaque = new LinuxKernel().lgetxattr(`${top}/var`, "trusted.overlay.opaque");
    assertEquals(new TextDecoder().decode(opaque!), "y");
    assertEquals(exists(`${top}/etc/hostname`) || exists(`${top}/etc/hosts`), false);
    assertEquals([...Deno.readDirSync(`${root.dir}/tmp`)], [], "no scratch tree left");
  });
});

Deno.test("commit -c: CMD, ENV and WORKDIR of the new image", async () => {
  await withRoot(async (root) => {
    const src = await root.run(
      "run",
      "--name",
      "cfg",
      "-e",
      "KEEP=1",
      "busybox",
      "sh",
      "-c",
      "echo from-x > /x",
    );
    assertEquals(src.code, 0, src.stderr);
    const c = await root.run(
      "commit",
      "-c",
      'CMD ["cat","/x"]',
      "--change",
      "ENV GREETING=hello",
      "-c",
      "WORKDIR /tmp",
      "cfg",
      "withcmd",
    );
    assertEquals(c.code, 0, c.stderr);
    const dflt = await root.run("run", "--rm", "withcmd");
    assertEquals([dflt.code, dflt.stdout], [0, "from-x\n"], dflt.stderr);
    const env = await root.run("run", "--rm", "withcmd", "sh", "-c", "echo $GREETING $KEEP; pwd");
    assertEquals(env.stdout, "hello 1\n/tmp\n");
    const image = await inspect(root, "withcmd");
    assertEquals(image.Config.Cmd, ["cat", "/x"]);
    assertEquals(image.Config.WorkingDir, "/tmp");

    const shell = await root.run(
      "commit",
      "-c",
      "ENV GREETING=hi",
      "-c",
      "CMD echo $GREETING world",
      "cfg",
      "shellform",
    );
    assertEquals(shell.code, 0, shell.stderr);
    assertEquals((await root.run("run", "--rm", "shellform")).stdout, "hi world\n");
    assertEquals((await inspect(root, "shellform")).Config.Cmd, [
      "/bin/sh",
      "-c",
      "echo $GREETING world",
    ]);

    // No name: an untagged image, found by its ID.
    const anon = await root.run("commit", "cfg");
    assertEquals(anon.code, 0, anon.stderr);
    const id = anon.stdout.trim();
    assertEquals((await inspect(root, id)).RepoTags, []);
    const run = await root.run("run", "--rm", id.slice("sha256:".length, 19), "cat", "/x");
    assertEquals([run.code, run.stdout], [0, "from-x\n"], run.stderr);
  });
});

Deno.test("commit: the container's user, or -c USER, is the image's, and run and exec use it", async () => {
  await withRoot(async (root) => {
    assertEquals(
      (await root.run("run", "--name", "asnobody", "-u", "nobody", "busybox", "true")).code,
      0,
    );
    assertEquals((await root.run("commit", "asnobody", "nobodyimage")).code, 0);
    assertEquals((await inspect(root, "nobodyimage")).Config.User, "nobody");
    assertEquals((await root.run("run", "--rm", "nobodyimage", "id", "-u")).stdout, "65534\n");

    assertEquals((await root.run("run", "--name", "plain", "busybox", "true")).code, 0);
    const c = await root.run("commit", "-c", "USER 1234:daemon", "plain", "userimage");
    assertEquals(c.code, 0, c.stderr);
    // The image's USER names a group busybox's /etc/group lacks: refused at start, as Docker.
    const bad = await root.run("run", "--rm", "userimage", "true");
    assertEquals(bad.code, 125);
    assertStringIncludes(bad.stderr, "unable to find group daemon");
    // -u overrides the image's USER, for run and for exec.
    const d = await root.run(
      "run",
      "-d",
      "--name",
      "override",
      "-u",
      "1234",
      "userimage",
      "sleep",
      "30",
    );
    assertEquals(d.code, 0, d.stderr);
    assertEquals((await root.run("exec", "override", "id", "-u")).stdout, "1234\n");
    assertEquals((await root.run("exec", "-u", "0", "override", "id", "-u")).stdout, "0\n");
  });
});

Deno.test("commit of a running container: its changes so far, and it keeps running", async () => {
  await withRoot(async (root) => {
    const id = started(
      await root.run(
        "run",
        "-d",
        "--name",
        "live",
        "busybox",
        "sh",
        "-c",
        "echo live > /live; rm /etc/group; touch /ready; exec sleep 60",
      ),
    );
    await untilInside(root, "live", "ls", "/ready");
    const { pid, pidStartTime } = root.store().get(id).state;
    const c = await root.run("commit", "live", "fromlive");
    assertEquals(c.code, 0, c.stderr);
    assert(alive(pid, pidStartTime), "not stopped by the commit");
    assertEquals(root.store().get(id).state.status, "running");
    const r = await root.run(
      "run",
      "--rm",
      "fromlive",
      "sh",
      "-c",
      "cat /live; [ -e /etc/group ] || echo group-gone",
    );
    assertEquals([r.code, r.stdout], [0, "live\ngroup-gone\n"], r.stderr);
  });
});

Deno.test("commit of a container of an old one-tree image is refused and makes nothing", async () => {
  await withRoot(async (root) => {
    // An image as earlier versions stored it: <id>/rootfs, no layers, no config blob.
    const busybox = await inspect(root, "busybox");
    const id = "ab".repeat(32);
    const home = `${root.dir}/images/${id}`;
    Deno.mkdirSync(home);
    const cp = new Deno.Command("cp", {
      args: ["-a", `${busybox.GraphDriver.Data.UpperDir}/.`, `${home}/rootfs`],
    }).outputSync();
    assertEquals(cp.code, 0);
    Deno.writeTextFileSync(
      `${home}/image.json`,
      JSON.stringify({ id, created: new Date().toISOString(), size: 0 }),
    );
    assertEquals((await root.run("tag", id, "legacy:1")).code, 0);
    assertEquals((await root.run("run", "--name", "old", "legacy:1", "touch", "/x")).code, 0);
    const images = (await root.run("images", "-q")).stdout;
    const c = await root.run("commit", "old", "new:1");
    assertEquals([c.code, c.stdout], [125, ""]);
    assertStringIncludes(c.stderr, "stored by an older dockergsh as one flat tree");
    assertEquals((await root.run("images", "-q")).stdout, images);
    assertEquals([...Deno.readDirSync(`${root.dir}/tmp`)], []);
  });
});

Deno.test("commit keeps a file's capabilities (security.capability) in the new layer", async () => {
  await withRoot(async (root) => {
    // vfs_cap_data revision 2, effective, CAP_NET_RAW permitted.
    const caps = new Uint8Array([1, 0, 0, 2, 0, 0x20, 0, 0, ...new Array(12).fill(0)]);
    assertEquals(
      (await root.run("run", "--name", "capper", "busybox", "cp", "/bin/busybox", "/capped")).code,
      0,
    );
    const upper = (await inspect(root, "capper")).GraphDriver.Data.UpperDir;
    const kernel = new LinuxKernel();
    kernel.lsetxattr(`${upper}/capped`, "security.capability", caps);
    assertEquals((await root.run("commit", "capper", "capped:1")).code, 0);
    const top = (await inspect(root, "capped:1")).GraphDriver.Data.UpperDir;
    assertEquals(kernel.lgetxattr(`${top}/capped`, "security.capability"), caps);
    const run = await root.run(
      "run",
      "--rm",
      "capped:1",
      "sh",
      "-c",
      "test -x /capped && echo there",
    );
    assertEquals([run.code, run.stdout], [0, "there\n"], run.stderr);
  });
});

// Docker 20.10 here, `commit -c` on `create busybox true`: LABEL a=b c="d e" → {"a":"b","c":"d e"};
// EXPOSE 80 90/udp → {"80/tcp":{},"90/udp":{}}; ENTRYPOINT echo hi → ["/bin/sh","-c","echo hi"] and
// Cmd null; VOLUME /v /w; ONBUILD RUN x → ["RUN x"]; WORKDIR rel → /rel; and, exit 1:
// "Error response from daemon: bogus is not a valid change command", "… LABEL must have two
// arguments", "… Invalid containerPort: x", "… USER requires exactly one argument".
Deno.test("commit -c: Docker's instructions and its words for a bad one", async () => {
  await withRoot(async (root) => {
    assertEquals(
      (await root.run("create", "--name", "src", "-l", "from=ctr", "busybox", "true")).code,
      0,
    );
    const c = await root.run(
      "commit",
      ...["-c", 'LABEL a=b c="d e"', "-c", "EXPOSE 80 90/udp", "-c", "ENTRYPOINT echo hi"],
      ...["-c", "VOLUME /v /w", "-c", "ONBUILD RUN x", "-c", "WORKDIR rel", "src", "changed"],
    );
    assertEquals(c.code, 0, c.stderr);
    const config = (await inspect(root, "changed")).Config;
    assertEquals(config.Labels, { a: "b", c: "d e", from: "ctr" });
    assertEquals(config.ExposedPorts, { "80/tcp": {}, "90/udp": {} });
    assertEquals([config.Entrypoint, config.Cmd], [["/bin/sh", "-c", "echo hi"], null]);
    assertEquals(config.Volumes, { "/v": {}, "/w": {} });
    assertEquals([config.OnBuild, config.WorkingDir], [["RUN x"], "/rel"]);
    assertEquals((await root.run("run", "--rm", "changed")).stdout, "hi\n");
    // Docker 20.10: `commit -a "A B <a@b>"` is the image's Author.
    assertEquals((await root.run("commit", "-a", "A B <a@b>", "src", "authored")).code, 0);
    assertEquals((await inspect(root, "authored")).Author, "A B <a@b>");

    for (
      const [change, words] of [
        ["bogus x", "bogus is not a valid change command"],
        ["STOPSIGNAL SIGUSR1", "stopsignal is not a valid change command"],
        ["LABEL a", "LABEL must have two arguments"],
        ["EXPOSE x", "Invalid containerPort: x"],
        ["USER", "USER requires exactly one argument"],
      ]
    ) {
      const bad = await root.run("commit", "-c", change, "src", "bad");
      assertEquals([bad.code, bad.stderr], [1, `Error response from daemon: ${words}\n`], change);
    }
    assertEquals((await root.run("images", "-q", "bad")).stdout, "");
  });
});
