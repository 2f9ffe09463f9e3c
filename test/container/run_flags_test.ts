/**
 * `run`/`create` flags end to end, each case written from what the real
 * Docker 20.10 (the peer daemon, same busybox rootfs, `--network none`)
 * printed for the same command: the container's own view (/etc/hosts,
 * resolv.conf, env, /.dockerenv, /dev/mqueue, /proc/mounts) and inspect.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { delay, withRoot } from "../_harness.ts";
import { inspect, oneLine, started } from "./_lifecycle.ts";

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Deno.test("run: /.dockerenv, /dev/mqueue, and Config.Env only the user's and the image's", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "--rm",
      "busybox",
      "sh",
      "-c",
      "stat -c '%a %s %U' /.dockerenv; grep ' /dev/mqueue ' /proc/mounts",
    );
    assertEquals(r.code, 0, r.stderr);
    // Docker: `-rwxr-xr-x root 0 /.dockerenv`, `mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime`.
    assertEquals(r.stdout.split("\n")[0], "755 0 root");
    assertMatch(r.stdout, /^mqueue \/dev\/mqueue mqueue rw,nosuid,nodev,noexec,relatime /m);

    const id = started(await root.run("create", "-e", "A=1", "busybox", "env"));
    const info = await inspect(root, id);
    // Docker: ["A=1"] (the imported busybox has no ENV); null without -e.
    assertEquals(info.Config.Env, ["A=1"]);
    const none = await inspect(root, started(await root.run("create", "busybox", "true")));
    assertEquals(none.Config.Env, null);
    // The process still gets PATH and HOSTNAME first, then the user's, then HOME (Docker's order).
    const run = await root.run("run", "--rm", "-e", "A=1", "busybox", "env");
    const lines = run.stdout.trim().split("\n");
    assertEquals(lines[0], PATH);
    assertMatch(lines[1], /^HOSTNAME=[0-9a-f]{12}$/);
    assertEquals(lines.slice(2), ["A=1", "HOME=/root"]);
  });
});

Deno.test('run --entrypoint: replaces the image\'s, "" clears it; Config keeps them apart', async () => {
  await withRoot(async (root) => {
    const a = await root.run("run", "--rm", "--entrypoint", "echo", "busybox", "a", "b");
    assertEquals([a.code, a.stdout], [0, "a b\n"]);
    const hi = await root.run("run", "--rm", "--entrypoint", "", "busybox", "echo", "hi");
    assertEquals([hi.code, hi.stdout], [0, "hi\n"]);
    // Docker: `docker: Error response from daemon: No command specified.`, 125.
    const none = await root.run("run", "--rm", "--entrypoint", "", "busybox");
    assertEquals(none.code, 125);
    assertStringIncludes(none.stderr, "No command specified.");
    oneLine(none, "no command");
    // Docker: Entrypoint ["/bin/echo"], Cmd ["x","y"], Path "/bin/echo", Args ["x","y"].
    const id = started(await root.run("create", "--entrypoint", "/bin/echo", "busybox", "x", "y"));
    const info = await inspect(root, id);
    assertEquals(
      [info.Config.Entrypoint, info.Config.Cmd, info.Path, info.Args],
      [["/bin/echo"], ["x", "y"], "/bin/echo", ["x", "y"]],
    );
    // An --entrypoint is one word, as Docker: "echo z" is not found (Docker: 127).
    const split = await root.run("run", "--rm", "--entrypoint", "echo z", "busybox");
    assertEquals(split.code, 127);
  });
});

Deno.test("run --env-file and --label/--label-file: Docker's file rules and errors", async () => {
  await withRoot(async (root) => {
    const dir = await Deno.makeTempDir({ prefix: "dgsh-rf-" });
    try {
      Deno.writeTextFileSync(`${dir}/env`, "A=1\r\n# comment\n\nB\nC=x y\n  D=2\nE= 3 \n");
      const r = await root.runWith(
        { env: { B: "fromhost" } },
        "run",
        "--rm",
        "--env-file",
        `${dir}/env`,
        "busybox",
        "env",
      );
      assertEquals(r.code, 0, r.stderr);
      // Docker's output, line by line, after PATH and HOSTNAME.
      assertEquals(r.stdout.split("\n").slice(2, 8), [
        "A=1",
        "B=fromhost",
        "C=x y",
        "D=2",
        "E= 3 ",
        "HOME=/root",
      ]);

      Deno.writeTextFileSync(`${dir}/bad`, "bad line=\n");
      const bad = await root.run("run", "--rm", "--env-file", `${dir}/bad`, "busybox", "true");
      assertEquals(bad.code, 125);
      assertEquals(
        bad.stderr.trim(),
        "dockergsh: poorly formatted environment: variable 'bad line' contains whitespaces.",
      );
      const missing = await root.run("run", "--rm", "--env-file", `${dir}/nope`, "busybox", "true");
      assertEquals(missing.code, 125);
      assertEquals(
        missing.stderr.trim(),
        `dockergsh: open ${dir}/nope: no such file or directory.`,
      );

      Deno.writeTextFileSync(`${dir}/labels`, "L1=a\n# c\nL2\n  L3=x y \n");
      const id = started(
        await root.run(
          "create",
          "-l",
          "a=b",
          "--label",
          "c",
          "--label-file",
          `${dir}/labels`,
          "-l",
          "L1=over",
          "busybox",
          "true",
        ),
      );
      // Docker: {"L1":"over","L3":"x y ","a":"b","c":""} (L2, without "=", is dropped from a file).
      assertEquals((await inspect(root, id)).Config.Labels, {
        L1: "over",
        L3: "x y ",
        a: "b",
        c: "",
      });
      const empty = await root.run("create", "-l", "=x", "busybox", "true");
      assertEquals(empty.code, 125);
      assertEquals(
        empty.stderr.trim(),
        `invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name`,
      );
      assertEquals(root.store().ids().length, 1, "a refused create leaves no record");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("run --add-host and --dns*: the container's /etc/hosts and resolv.conf as Docker's", async () => {
  await withRoot(async (root) => {
    const hosts = await root.run(
      "run",
      "--rm",
      "--add-host",
      "foo:1.2.3.4",
      "--add-host",
      "v6:::1",
      "--add-host",
      "foo:5.5.5.5",
      "busybox",
      "cat",
      "/etc/hosts",
    );
    assertEquals(hosts.code, 0, hosts.stderr);
    // Docker's file with --network none, verbatim.
    assertEquals(
      hosts.stdout,
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n" +
        "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n" +
        "1.2.3.4\tfoo\n::1\tv6\n5.5.5.5\tfoo\n",
    );
    for (
      const [spec, msg] of [
        ["foo", 'invalid argument "foo" for "--add-host" flag: bad format for add-host: "foo"'],
        [
          "bar=5.6.7.8",
          'invalid argument "bar=5.6.7.8" for "--add-host" flag: bad format for add-host: "bar=5.6.7.8"',
        ],
        [
          "foo:notip",
          'invalid argument "foo:notip" for "--add-host" flag: invalid IP address in add-host: "notip"',
        ],
      ]
    ) {
      const r = await root.run("run", "--rm", "--add-host", spec, "busybox", "true");
      assertEquals([r.code, r.stderr.trim()], [125, msg]);
    }
    const dns = await root.run(
      "run",
      "--rm",
      "--dns",
      "9.9.9.9",
      "--dns",
      "1.1.1.1",
      "--dns-search",
      "example.com",
      "--dns-option",
      "ndots:2",
      "busybox",
      "cat",
      "/etc/resolv.conf",
    );
    assertEquals(
      dns.stdout,
      "search example.com\nnameserver 9.9.9.9\nnameserver 1.1.1.1\noptions ndots:2\n",
    );
    const bad = await root.run("run", "--rm", "--dns", "bad", "busybox", "true");
    assertEquals(
      [bad.code, bad.stderr.trim()],
      [125, 'invalid argument "bad" for "--dns" flag: bad is not an ip address'],
    );
    const id = started(
      await root.run(
        "create",
        "--dns",
        "9.9.9.9",
        "--dns-search",
        "a.b",
        "--dns-option",
        "ndots:1",
        "--add-host",
        "foo:1.2.3.4",
        "busybox",
        "true",
      ),
    );
    const hc = (await inspect(root, id)).HostConfig;
    assertEquals(
      [hc.Dns, hc.DnsSearch, hc.DnsOptions, hc.ExtraHosts],
      [["9.9.9.9"], ["a.b"], ["ndots:1"], ["foo:1.2.3.4"]],
    );
  });
});

Deno.test("run -p with --network none: accepted, recorded, not published (as Docker)", async () => {
  await withRoot(async (root) => {
    const id = started(await root.run("run", "-d", "-p", "8080:80", "busybox", "sleep", "30"));
    const info = await inspect(root, id);
    // Docker: PortBindings {"80/tcp":[{"HostIp":"","HostPort":"8080"}]}, NetworkSettings.Ports {} while running.
    assertEquals(info.HostConfig.PortBindings, { "80/tcp": [{ HostIp: "", HostPort: "8080" }] });
    assertEquals(info.NetworkSettings.Ports, {});
    assert(info.State.Running);
  });
});

Deno.test("run --mount: bind, volume and tmpfs in Docker's CSV syntax, its errors", async () => {
  await withRoot(async (root) => {
    const src = await Deno.makeTempDir({ prefix: "dgsh-rf-src-" });
    try {
      const show = "grep -E ' /(data|t|v) ' /proc/mounts | cut -d' ' -f2,3,4";
      const ok = async (spec: string) => {
        const r = await root.run("run", "--rm", "--mount", spec, "busybox", "sh", "-c", show);
        assertEquals(r.code, 0, `${spec}: ${r.stderr}`);
        return r.stdout.trim();
      };
      assertMatch(await ok(`type=bind,source=${src},target=/data`), /^\/data \S+ rw,/);
      assertMatch(await ok(`type=bind,src=${src},dst=/data,readonly`), /^\/data \S+ ro,/);
      assertMatch(await ok(`type=bind,source=${src},destination=/data,ro=true`), /^\/data \S+ ro,/);
      // Docker: `tmpfs /t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770`.
      assertEquals(
        await ok("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770"),
        "/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770",
      );
      assertMatch(await ok("type=tmpfs,target=/t,readonly"), /^\/t tmpfs ro,nosuid,nodev,noexec/);
      assertMatch(await ok("type=volume,source=rf-vol1,target=/v"), /^\/v \S+ rw,/);
      const bad: Array<[string, string]> = [
        [
          "type=bind,source=/nonexistent-dgsh,target=/data",
          'dockergsh: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /nonexistent-dgsh.',
        ],
        [
          "type=bind,target=/data",
          'dockergsh: Error response from daemon: invalid mount config for type "bind": field Source must not be empty.',
        ],
        [
          `type=bind,source=${src}`,
          `invalid argument "type=bind,source=${src}" for "--mount" flag: target is required`,
        ],
        [
          "type=tmpfs,target=/t,source=/x",
          'dockergsh: Error response from daemon: invalid mount config for type "tmpfs": field Source must not be specified.',
        ],
        [
          "type=foo,target=/x",
          'dockergsh: Error response from daemon: invalid mount config for type "foo": mount type unknown.',
        ],
        [
          `type=bind,source=${src},target=/data,bogus=1`,
          `invalid argument "type=bind,source=${src},target=/data,bogus=1" for "--mount" flag: unexpected key 'bogus' in 'bogus=1'`,
        ],
        [
          `type=bind,source=${src},target=/data,readonly=maybe`,
          `invalid argument "type=bind,source=${src},target=/data,readonly=maybe" for "--mount" flag: invalid value for readonly: maybe`,
        ],
        [
          `type=bind,source=${src},target=/data,volume-nocopy`,
          `invalid argument "type=bind,source=${src},target=/data,volume-nocopy" for "--mount" flag: cannot mix 'volume-*' options with mount type 'bind'`,
        ],
        [
          `type=bind,source=${src},target=/`,
          `dockergsh: Error response from daemon: invalid mount config for type "bind": invalid specification: destination can't be '/'.`,
        ],
        ["", `invalid argument "" for "--mount" flag: EOF`],
      ];
      for (const [spec, msg] of bad) {
        const r = await root.run("run", "--rm", "--mount", spec, "busybox", "true");
        assertEquals([r.code, r.stderr.trim()], [125, msg], spec);
      }
      assertEquals(root.store().ids(), [], "no container left by a refused --mount");
    } finally {
      await Deno.remove(src, { recursive: true });
    }
  });
});

Deno.test("run --stop-signal/--stop-timeout: used by stop; Docker's errors", async () => {
  await withRoot(async (root) => {
    // Docker: stop sends USR1, the trap exits 7 within ~0.1 s; the log shows got-usr1.
    const id = started(
      await root.run(
        "run",
        "-d",
        "--stop-signal",
        "USR1",
        "busybox",
        "sh",
        "-c",
        'trap "echo got-usr1; exit 7" USR1; while true; do sleep 0.1; done',
      ),
    );
    await delay(300);
    assertEquals((await root.run("stop", id)).code, 0);
    const info = await inspect(root, id);
    assertEquals([info.State.ExitCode, info.Config.StopSignal], [7, "USR1"]);
    assertEquals((await root.run("logs", id)).stdout, "got-usr1\n");

    // Docker: `--stop-timeout 2` on sleep (ignores TERM as PID 1): stop takes ~2 s, exit 137.
    const slow = started(
      await root.run("run", "-d", "--stop-timeout", "2", "busybox", "sleep", "100"),
    );
    const t0 = performance.now();
    assertEquals((await root.run("stop", slow)).code, 0);
    const took = performance.now() - t0;
    assert(took >= 2000, `stop waited the container's 2 s (${took} ms)`);
    assertEquals((await inspect(root, slow)).State.ExitCode, 137);
    assertEquals((await inspect(root, slow)).Config.StopTimeout, 2);

    const badSig = await root.run("run", "--rm", "--stop-signal", "NOPE", "busybox", "true");
    assertEquals(
      [badSig.code, badSig.stderr.trim()],
      [125, "dockergsh: Error response from daemon: Invalid signal: NOPE."],
    );
    const badTime = await root.run("run", "--rm", "--stop-timeout", "x", "busybox", "true");
    assertEquals(
      [badTime.code, badTime.stderr.trim()],
      [
        125,
        'invalid argument "x" for "--stop-timeout" flag: strconv.ParseInt: parsing "x": invalid syntax',
      ],
    );
  });
});

Deno.test("run --mount bind-nonrecursive: a mount below the source is not carried (as Docker)", async () => {
  await withRoot(async (root) => {
    const src = await Deno.makeTempDir({ prefix: "dgsh-rf-nr-" });
    Deno.mkdirSync(`${src}/sub`);
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=1m", "tmpfs", `${src}/sub`],
    }).output();
    assertEquals(mounted.code, 0);
    try {
      Deno.writeTextFileSync(`${src}/sub/inner`, "");
      // Docker 20.10: `ls /d/sub` shows `inner` with rbind (the default), nothing with bind-nonrecursive.
      const rec = await root.run(
        "run",
        "--rm",
        "--mount",
        `type=bind,src=${src},dst=/d`,
        "busybox",
        "ls",
        "/d/sub",
      );
      assertEquals(rec.stdout, "inner\n");
      const flat = await root.run(
        "run",
        "--rm",
        "--mount",
        `type=bind,src=${src},dst=/d,bind-nonrecursive`,
        "busybox",
        "ls",
        "/d/sub",
      );
      assertEquals([flat.code, flat.stdout], [0, ""]);
    } finally {
      await new Deno.Command("umount", { args: [`${src}/sub`] }).output();
      await Deno.remove(src, { recursive: true });
    }
  });
});

Deno.test("an image's STOPSIGNAL is what stop sends; --init and /.dockerenv stay out of a commit", async () => {
  await withRoot(async (root) => {
    // A pulled image carries its config's StopSignal; here it is written into the stored image.
    const images = `${root.dir}/images`;
    const id = [...Deno.readDirSync(images)].find((e) => /^[0-9a-f]{64}$/.test(e.name))!.name;
    const path = `${images}/${id}/image.json`;
    const image = JSON.parse(Deno.readTextFileSync(path));
    Deno.writeTextFileSync(path, JSON.stringify({ ...image, config: { stopSignal: "SIGUSR1" } }));
    const c = started(
      await root.run(
        "run",
        "-d",
        "busybox",
        "sh",
        "-c",
        'trap "exit 7" USR1; while true; do sleep 0.1; done',
      ),
    );
    await delay(300);
    assertEquals((await root.run("stop", c)).code, 0);
    const info = await inspect(root, c);
    assertEquals([info.State.ExitCode, info.Config.StopSignal], [7, "SIGUSR1"]);

    // Docker keeps these in the container's init layer, which no commit takes.
    assertEquals((await root.run("run", "--name", "rf-c1", "--init", "busybox", "true")).code, 0);
    assertEquals((await root.run("commit", "rf-c1", "rf-cimg")).code, 0);
    const layer = await root.run("run", "--rm", "rf-cimg", "ls", "/sbin/docker-init");
    assertEquals(layer.code, 1, "no /sbin/docker-init in the committed image");
    const upper = (await inspect(root, "rf-cimg")).GraphDriver.Data.UpperDir;
    assert(Deno.statSync(upper).isDirectory, upper);
    for (const f of [".dockerenv", "sbin/docker-init"]) {
      assertEquals(exists(`${upper}/${f}`), false, `${f} in the committed layer`);
    }
  });
});

// Docker 20.10: `--add-host gw:host-gateway` is a line for gw with the host's address on its default
// bridge; here the gateway of the bridge network the container is on (reachable: ping), and with
// --network none (no bridge network made) the host's source address of its default route.
Deno.test("run --add-host NAME:host-gateway: the host's address on the container's bridge", async () => {
  await withRoot(async (root) => {
    const made = await root.run("network", "create", "--subnet", "10.241.88.0/24", "d14-gw");
    assertEquals(made.code, 0, made.stderr);
    const onBridge = await root.run(
      "run",
      "--rm",
      "--net",
      "d14-gw",
      "--add-host",
      "gw:host-gateway",
      "busybox",
      "sh",
      "-c",
      "grep -w gw /etc/hosts; ping -c 1 -W 2 gw >/dev/null && echo reached",
    );
    assertEquals(
      [onBridge.code, onBridge.stdout],
      [0, "10.241.88.1\tgw\nreached\n"],
      onBridge.stderr,
    );
    const route = new TextDecoder().decode(
      (await new Deno.Command("ip", { args: ["-4", "route", "get", "1.0.0.0"], stdout: "piped" })
        .output()).stdout,
    );
    const src = /\bsrc (\S+)/.exec(route)?.[1];
    assert(src !== undefined, route);
    const none = await root.run(
      "run",
      "--rm",
      "--add-host",
      "gw:host-gateway",
      "busybox",
      "grep",
      "-w",
      "gw",
      "/etc/hosts",
    );
    assertEquals([none.code, none.stdout], [0, `${src}\tgw\n`], none.stderr);
  });
});
