/**
 * Named and anonymous volumes and the `volume` commands, each case written
 * from what Docker 20.10 (the peer daemon, same busybox rootfs) did for
 * the same commands: made on first use under the state root, filled from
 * the image when empty (owners and modes kept), refused while in use,
 * anonymous ones removed by `rm -v` and `run --rm`.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";
import { healthWhen, inspect, started } from "../container/_lifecycle.ts";
import { isVolumeName } from "../../src/volume/name.ts";

function lines(s: string): string[] {
  return s.trim() === "" ? [] : s.trim().split("\n");
}

Deno.test("volume names: Docker's rule, checked before a name becomes a path", () => {
  for (const ok of ["ab", "rf-v1", "A.b_c-9", "0x"]) assert(isVolumeName(ok), ok);
  for (const bad of ["a", "", "..", ".x", "-x", "_x", "a/b", "a\0b", "x".repeat(256)]) {
    assert(!isVolumeName(bad), JSON.stringify(bad));
  }
});

Deno.test("-v NAME:/path: made on first use, filled from the image, kept across containers", async () => {
  await withRoot(async (root) => {
    const etc = await root.run("run", "--rm", "-v", "rf-v1:/etc", "busybox", "ls", "-ln", "/etc");
    assertEquals(etc.code, 0, etc.stderr);
    const data = `${root.dir}/volumes/rf-v1/_data`;
    // The volume's own files are the image's /etc, with its owners and modes.
    const image = await root.run(
      "run",
      "--rm",
      "busybox",
      "stat",
      "-c",
      "%n %a %u %g %s",
      "/etc/passwd",
      "/etc/group",
    );
    const copied = ["passwd", "group"].map((f) => {
      const st = Deno.statSync(`${data}/${f}`);
      return `/etc/${f} ${(st.mode! & 0o7777).toString(8)} ${st.uid} ${st.gid} ${st.size}`;
    });
    assertEquals(copied, lines(image.stdout));
    assertEquals((Deno.statSync(data).mode! & 0o7777).toString(8), "755");
    // Docker: the next container sees the same files anywhere it mounts the volume.
    const again = await root.run("run", "--rm", "-v", "rf-v1:/x", "busybox", "cat", "/x/passwd");
    assertEquals(again.stdout, Deno.readTextFileSync(`${data}/passwd`));
    // Docker: emptied, the next create fills it again; with nocopy it stays empty.
    await root.run("run", "--rm", "-v", "rf-v1:/x", "busybox", "sh", "-c", "rm -rf /x/*");
    const refill = await root.run("run", "--rm", "-v", "rf-v1:/etc", "busybox", "ls", "/etc");
    assertEquals(lines(refill.stdout).sort(), ["group", "passwd"]);
    const nocopy = await root.run(
      "run",
      "--rm",
      "-v",
      "rf-v2:/etc:nocopy",
      "busybox",
      "ls",
      "/etc",
    );
    assertEquals(lines(nocopy.stdout), []);
    // A path the image does not have: an empty volume (Docker: `total 8`, nothing in it).
    const fresh = await root.run(
      "run",
      "--rm",
      "-v",
      "rf-v3:/nonexist",
      "busybox",
      "ls",
      "/nonexist",
    );
    assertEquals([fresh.code, fresh.stdout], [0, ""]);
    // Docker refuses a volume over a file of the image; no volume is left made.
    const file = await root.run("run", "--rm", "-v", "rf-v4:/bin/busybox", "busybox", "true");
    assertEquals(file.code, 125);
    const ls = await root.run("volume", "ls", "-q");
    assertEquals(lines(ls.stdout), ["rf-v1", "rf-v2", "rf-v3"]);
    // ro is read-only inside (Docker: "touch: /x/y: Read-only file system").
    const ro = await root.run("run", "--rm", "-v", "rf-v1:/x:ro", "busybox", "touch", "/x/y");
    assertEquals(ro.code, 1);
    assertMatch(ro.stderr, /Read-only file system/);
  });
});

Deno.test("volume ls/inspect/rm/prune: Docker's output and refusals", async () => {
  await withRoot(async (root) => {
    assertEquals(
      (await root.run("volume", "create", "--label", "a=b", "--label", "c", "rf-i")).stdout,
      "rf-i\n",
    );
    assertEquals(
      (await root.run("volume", "create", "rf-i")).code,
      0,
      "an existing name is no error",
    );
    const info = JSON.parse((await root.run("volume", "inspect", "rf-i")).stdout);
    assertEquals(Object.keys(info[0]).sort(), [
      "CreatedAt",
      "Driver",
      "Labels",
      "Mountpoint",
      "Name",
      "Options",
      "Scope",
    ]);
    assertEquals(
      [info[0].Driver, info[0].Labels, info[0].Mountpoint, info[0].Options, info[0].Scope],
      ["local", { a: "b", c: "" }, `${root.dir}/volumes/rf-i/_data`, {}, "local"],
    );
    assertMatch(info[0].CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const missing = await root.run("volume", "inspect", "nonexist-rf");
    assertEquals([missing.code, missing.stdout.trim(), missing.stderr.trim()], [
      1,
      "[]",
      "Error: No such volume: nonexist-rf",
    ]);

    const user = started(
      await root.run(
        "create",
        "-v",
        "rf-v1:/x:ro",
        "--mount",
        "type=volume,src=rf-v2,dst=/y",
        "-v",
        "/anon",
        "busybox",
        "true",
      ),
    );
    const c = await inspect(root, user);
    const anon = c.Mounts.find((m: { Destination: string }) => m.Destination === "/anon");
    assertMatch(anon.Name, /^[0-9a-f]{64}$/);
    // Docker's shapes: -v named in Binds, --mount in HostConfig.Mounts, anonymous in Config.Volumes.
    assertEquals(c.HostConfig.Binds, ["rf-v1:/x:ro"]);
    assertEquals(c.HostConfig.Mounts, [{ Type: "volume", Source: "rf-v2", Target: "/y" }]);
    assertEquals(c.Config.Volumes, { "/anon": {} });
    assertEquals(
      c.Mounts.find((m: { Name: string }) => m.Name === "rf-v1"),
      {
        Type: "volume",
        Name: "rf-v1",
        Source: `${root.dir}/volumes/rf-v1/_data`,
        Destination: "/x",
        Driver: "local",
        Mode: "ro",
        RW: false,
        Propagation: "",
      },
    );

    const ls = await root.run("volume", "ls");
    assertEquals(lines(ls.stdout), [
      "DRIVER    VOLUME NAME",
      `local     ${anon.Name}`,
      "local     rf-i",
      "local     rf-v1",
      "local     rf-v2",
    ]);
    assertEquals(lines((await root.run("volume", "ls", "-q", "-f", "dangling=true")).stdout), [
      "rf-i",
    ]);
    assertEquals(lines((await root.run("volume", "ls", "-q", "-f", "name=rf-v")).stdout), [
      "rf-v1",
      "rf-v2",
    ]);
    assertEquals(
      (await root.run(
        "volume",
        "ls",
        "--format",
        "{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}}",
        "-f",
        "name=rf-i",
      )).stdout,
      "rf-i local a=b,c= local\n",
    );
    assertEquals(
      (await root.run(
        "volume",
        "ls",
        "--format",
        "table {{.Name}}\\t{{.Driver}}",
        "-f",
        "label=a=b",
      )).stdout,
      "VOLUME NAME   DRIVER\nrf-i          local\n",
    );
    const badFilter = await root.run("volume", "ls", "-f", "bogus=1");
    assertEquals([badFilter.code, badFilter.stderr.trim()], [
      1,
      "Error response from daemon: Invalid filter 'bogus'",
    ]);

    // Docker: `Error response from daemon: remove rf-v1: volume is in use - [<id>]`, exit 1.
    const inUse = await root.run("volume", "rm", "rf-v1");
    assertEquals([inUse.code, inUse.stderr.trim()], [
      1,
      `Error response from daemon: remove rf-v1: volume is in use - [${user}]`,
    ]);
    assert(Deno.statSync(`${root.dir}/volumes/rf-v1/_data`).isDirectory);

    // rm -v takes the anonymous volume, not the named ones.
    assertEquals((await root.run("rm", "-v", user)).code, 0);
    assertEquals(lines((await root.run("volume", "ls", "-q")).stdout), ["rf-i", "rf-v1", "rf-v2"]);
    // run --rm takes its anonymous volume too.
    assertEquals((await root.run("run", "--rm", "-v", "/scratch", "busybox", "true")).code, 0);
    assertEquals(lines((await root.run("volume", "ls", "-q")).stdout), ["rf-i", "rf-v1", "rf-v2"]);

    await root.run("run", "--rm", "-v", "rf-v2:/x", "busybox", "sh", "-c", "echo hello > /x/f");
    const kept = started(await root.run("create", "-v", "rf-v1:/x", "busybox", "true"));
    // Docker: the unused ones are deleted and their bytes counted ("hello\n": 6B).
    const prune = await root.run("volume", "prune", "-f");
    assertEquals(prune.stdout, "Deleted Volumes:\nrf-i\nrf-v2\n\nTotal reclaimed space: 6B\n");
    assertEquals((await root.run("volume", "prune", "-f")).stdout, "Total reclaimed space: 0B\n");
    assertEquals(lines((await root.run("volume", "ls", "-q")).stdout), ["rf-v1"]);
    await root.run("rm", kept);
    assertEquals((await root.run("volume", "rm", "rf-v1")).stdout, "rf-v1\n");
    const gone = await root.run("volume", "rm", "rf-v1");
    assertEquals([gone.code, gone.stderr.trim()], [1, "Error: No such volume: rf-v1"]);
    assertEquals([...Deno.readDirSync(`${root.dir}/volumes`)], [], "nothing left under volumes/");
  });
});

Deno.test("volume create: Docker's name errors, nothing made", async () => {
  await withRoot(async (root) => {
    for (const bad of ["bad/x", "..", "-x"]) {
      const r = await root.run("volume", "create", "--", bad);
      assert(r.code !== 0, bad);
      assertEquals(lines(r.stderr).length, 1, r.stderr);
    }
    const short = await root.run("volume", "create", "a");
    assertMatch(
      short.stderr,
      /volume name is too short, names should be at least two alphanumeric characters/,
    );
    assertEquals(lines((await root.run("volume", "ls", "-q")).stdout), []);
  });
});

// Docker 20.10, an image committed with `--change 'VOLUME /etc'`: the container's Config.Volumes is
// {"/etc":{}}, its /etc a 64-hex anonymous volume holding the image's files; with `-v rf-etc:/etc`
// the mount is rf-etc and Config.Volumes still {"/etc":{}}. Its HEALTHCHECK (`--interval=1s CMD
// exit 0`): healthy; `--health-interval 2s` changes the interval only; `--no-healthcheck` gives
// {"Test":["NONE"],"Interval":1000000000}.
Deno.test("an image's VOLUME: an anonymous volume filled from the image, unless -v takes the path", async () => {
  await withRoot(async (root) => {
    // A pulled image carries Config.Volumes (and Healthcheck); here they are written into the stored image.
    const images = `${root.dir}/images`;
    const id = [...Deno.readDirSync(images)].find((e) => /^[0-9a-f]{64}$/.test(e.name))!.name;
    const path = `${images}/${id}/image.json`;
    const image = JSON.parse(Deno.readTextFileSync(path));
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        ...image,
        config: {
          volumes: { "/etc": {} },
          healthcheck: { Test: ["CMD-SHELL", "exit 0"], Interval: 1e9 },
        },
      }),
    );
    const c = started(await root.run("run", "-d", "busybox", "sleep", "30"));
    const info = await inspect(root, c);
    assertEquals(info.Config.Volumes, { "/etc": {} });
    const mount = info.Mounts.find((m: { Destination: string }) => m.Destination === "/etc");
    assertEquals([mount.Type, mount.RW], ["volume", true]);
    assertMatch(mount.Name, /^[0-9a-f]{64}$/);
    assert(Deno.statSync(`${mount.Source}/passwd`).isFile, "filled from the image's /etc");
    // The image's HEALTHCHECK runs (Docker: the container's Config.Healthcheck is the image's).
    assertEquals(info.Config.Healthcheck, { Test: ["CMD-SHELL", "exit 0"], Interval: 1e9 });
    await healthWhen(root, c, (h) => h?.Status === "healthy");
    await root.run("rm", "-f", "-v", c);
    assertEquals(lines((await root.run("volume", "ls", "-q")).stdout), [], "rm -v took it");

    // A -v at that path replaces the image's volume; --no-healthcheck drops its check.
    const named = started(
      await root.run("create", "--no-healthcheck", "-v", "rf-etc:/etc", "busybox", "true"),
    );
    const n = await inspect(root, named);
    // Docker: Config.Volumes still names the image's path; the mount is the named volume.
    assertEquals(n.Config.Volumes, { "/etc": {} });
    assertEquals(n.Mounts.map((m: { Name: string }) => m.Name), ["rf-etc"]);
    assertEquals(n.Config.Healthcheck, { Test: ["NONE"], Interval: 1e9 });
    assertEquals(n.State.Health, undefined, "no probes, no State.Health");
    const slower = started(await root.run("create", "--health-interval", "2s", "busybox", "true"));
    assertEquals((await inspect(root, slower)).Config.Healthcheck, {
      Test: ["CMD-SHELL", "exit 0"],
      Interval: 2e9,
    });
  });
});

// Docker 20.10, an image with `/lnk -> /etc`: `-v rf-lnk:/lnk` mounts the volume on /etc and
// fills it with /etc's files.
Deno.test("-v NAME:/link: the image's symlink is followed for the mount and the copy alike", async () => {
  await withRoot(async (root) => {
    const layer = [...Deno.readDirSync(`${root.dir}/layers`)].find((e) =>
      /^[0-9a-f]{64}$/.test(e.name)
    )!;
    Deno.symlinkSync("/etc", `${root.dir}/layers/${layer.name}/lnk`);
    const r = await root.run(
      "run",
      "--rm",
      "-v",
      "rf-lnk:/lnk",
      "busybox",
      "sh",
      "-c",
      "ls /lnk/; grep -E ' /(etc|lnk) ' /proc/mounts | cut -d' ' -f2",
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(lines(r.stdout), ["group", "passwd", "/etc"]);
    assertEquals(
      [...Deno.readDirSync(`${root.dir}/volumes/rf-lnk/_data`)].map((e) => e.name).sort(),
      ["group", "passwd"],
    );
  });
});

// A lower layer's symlink is hidden by an upper layer's directory, as overlay hides it: copy-up
// must not follow it on the host (a pulled image could name any host directory that way).
Deno.test("-v NAME:/path: copy-up never follows a lower layer's symlink into the host", async () => {
  await withRoot(async (root) => {
    const host = Deno.makeTempDirSync({ prefix: "dgsh-host-" });
    try {
      Deno.mkdirSync(`${host}/inner`);
      Deno.writeTextFileSync(`${host}/inner/secret.txt`, "host secret\n");
      assertEquals(
        (await root.run("run", "--name", "mk", "busybox", "mkdir", "-p", "/vol/inner")).code,
        0,
      );
      assertEquals((await root.run("commit", "mk", "two")).code, 0);
      const diffIds: string[] = (await inspect(root, "two")).RootFS.Layers;
      assertEquals(diffIds.length, 2);
      Deno.symlinkSync(host, `${root.dir}/layers/${diffIds[0].slice(7)}/vol`);
      const r = await root.run(
        "run",
        "--rm",
        "-v",
        "esc:/vol/inner",
        "two",
        "ls",
        "-A",
        "/vol/inner",
      );
      assertEquals([r.code, r.stdout], [0, ""], r.stderr);
      assertEquals([...Deno.readDirSync(`${root.dir}/volumes/esc/_data`)], []);
    } finally {
      Deno.removeSync(host, { recursive: true });
    }
  });
});

// Docker 20.10 here: `-v NAME:/bin` then `ls -l /bin/sh` "lrwxrwxrwx … root root 7 Dec  1 08:56
// /bin/sh -> busybox", the image's own time, as without the volume.
Deno.test("-v NAME:/bin: the image's symlinks copied with their own owner and time", async () => {
  await withRoot(async (root) => {
    const show = "stat -c '%U:%G %Y %N' /bin/sh";
    const plain = await root.run("run", "--rm", "busybox", "sh", "-c", show);
    const inVolume = await root.run(
      "run",
      "--rm",
      "-v",
      "binvol:/bin",
      "busybox",
      "/bin/sh",
      "-c",
      show,
    );
    assertEquals(inVolume.code, 0, inVolume.stderr);
    assertEquals(inVolume.stdout, plain.stdout);
    assertMatch(plain.stdout, /^root:root \d+ '\/bin\/sh' -> 'busybox'\n$/);
  });
});
