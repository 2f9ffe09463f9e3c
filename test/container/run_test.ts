import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "../_assert.ts";
import { BUSYBOX_TAR, cliArgv, eventually, mountsUnder, withRoot } from "../_harness.ts";

const NAMESPACES = ["mnt", "pid", "net", "ipc", "uts"];

Deno.test("run: the user command is PID 1, in its own namespaces", async () => {
  await withRoot(async (root) => {
    const fg = await root.run("run", "busybox", "sh", "-c", "echo $$; hostname");
    assertEquals(fg.code, 0, fg.stderr);
    const [pid1, hostname] = fg.stdout.trim().split("\n");
    assertEquals(pid1, "1");
    assertEquals(hostname.length, 12); // Docker's default hostname: the short ID

    const d = await root.run("run", "-d", "--name", "sleeper", "busybox", "sleep", "30");
    assertEquals(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    assert(/^[0-9a-f]{64}$/.test(id), `full ID printed: ${id}`);
    const pid = root.store().get(id).state.pid;
    // The host sees `sleep` itself (execve, no wrapper) and it is PID 1 inside.
    assertEquals(Deno.readTextFileSync(`/proc/${pid}/cmdline`), "sleep\u000030\u0000");
    const nspid = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^NSpid:\s+(.*)$/m)![1];
    assertEquals(nspid.split(/\s+/).at(-1), "1");
    for (const ns of NAMESPACES) {
      assertNotEquals(
        Deno.readLinkSync(`/proc/${pid}/ns/${ns}`),
        Deno.readLinkSync(`/proc/self/ns/${ns}`),
        `${ns} namespace must differ`,
      );
    }
    // Only loopback in the container's network namespace, and it is up.
    const links = await root.run("run", "busybox", "ip", "-o", "link");
    assertEquals(links.stdout.trim().split("\n").length, 1);
    assertStringIncludes(links.stdout, "lo: <LOOPBACK,UP");
  });
});

Deno.test("run: hostname, env, workdir and exit codes as Docker", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "-h",
      "box",
      "-e",
      "GREETING=hi there",
      "-w",
      "/tmp/work",
      "busybox",
      "sh",
      "-c",
      'echo "$(hostname) $GREETING $(pwd) $HOME"; cat /etc/hostname',
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "box hi there /tmp/work /root\nbox\n");
    assertEquals((await root.run("run", "busybox", "sh", "-c", "exit 3")).code, 3);
    // A signal from inside cannot kill PID 1 of a PID namespace (the kernel drops
    // SIGKILL sent to init by its own namespace); one from the host does: 128 + 9.
    const fg = root.run("run", "--name", "victim", "busybox", "sleep", "30");
    await eventually(() => root.store().list().some((c) => c.state.status === "running"));
    Deno.kill(root.store().resolve("victim").state.pid, "SIGKILL");
    assertEquals((await fg).code, 137);
  });
});

Deno.test("run: /proc, /dev and /sys are the container's own", async () => {
  await withRoot(async (root) => {
    const r = await root.run(
      "run",
      "busybox",
      "sh",
      "-c",
      "ps -o pid,comm > /tmp/ps; wc -l < /tmp/ps; ls /dev | tr '\\n' ' '; echo; touch /sys/x 2>&1 | grep -c Read-only; sed -n 2p /tmp/ps",
    );
    assertEquals(r.code, 0, r.stderr);
    const [psLines, dev, ro, first] = r.stdout.trim().split("\n");
    assertEquals(psLines.trim(), "3"); // header, sh, ps: nothing of the host
    assertEquals(first.trim().split(/\s+/), ["1", "sh"]);
    for (const d of ["null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm"]) {
      assertStringIncludes(dev, d);
    }
    assertEquals(ro, "1");
  });
});

Deno.test("run: container writes never reach the image or the next container", async () => {
  await withRoot(async (root) => {
    const w = await root.run("run", "busybox", "sh", "-c", "echo x > /etc/marker; rm /bin/ls");
    assertEquals(w.code, 0, w.stderr);
    const r = await root.run("run", "busybox", "sh", "-c", "cat /etc/marker; ls / >/dev/null");
    assertEquals(r.code, 0, "ls deleted by the first container is back");
    assertStringIncludes(r.stderr + r.stdout, "can't open '/etc/marker'");
    for (const entry of Deno.readDirSync(`${root.dir}/layers`)) {
      if (!entry.isDirectory) continue;
      const rootfs = `${root.dir}/layers/${entry.name}`;
      assert(Deno.lstatSync(`${rootfs}/bin/ls`).isSymlink, "image keeps /bin/ls");
      let marker = true;
      try {
        Deno.statSync(`${rootfs}/etc/marker`);
      } catch {
        marker = false;
      }
      assertEquals(marker, false);
    }
  });
});

Deno.test("run: volumes are shared with the host, :ro refuses writes", async () => {
  await withRoot(async (root) => {
    const host = `${root.dir}/vol`; // does not exist yet: run creates it
    const w = await root.run(
      "run",
      "-v",
      `${host}:/data`,
      "busybox",
      "sh",
      "-c",
      "echo hi > /data/f",
    );
    assertEquals(w.code, 0, w.stderr);
    assertEquals(Deno.readTextFileSync(`${host}/f`), "hi\n");
    const ro = await root.run(
      "run",
      "-v",
      `${host}:/data:ro`,
      "busybox",
      "sh",
      "-c",
      "cat /data/f; echo no > /data/f",
    );
    assertEquals(ro.stdout, "hi\n");
    assertEquals(ro.code, 1);
    assertStringIncludes(ro.stderr, "Read-only file system");
    assertEquals(Deno.readTextFileSync(`${host}/f`), "hi\n");
  });
});

Deno.test("run: a volume under an image symlink pointing outside lands inside the rootfs", async () => {
  await withRoot(async (root) => {
    // A hostile image: /escape is a symlink to an absolute path that exists on the host.
    const bait = `${root.dir}/bait`;
    const tree = `${root.dir}/evil-rootfs`;
    Deno.mkdirSync(bait);
    Deno.mkdirSync(tree);
    const untar = await new Deno.Command("tar", { args: ["-xf", BUSYBOX_TAR, "-C", tree] })
      .output();
    assertEquals(untar.code, 0);
    Deno.symlinkSync(bait, `${tree}/escape`);
    const tar = await new Deno.Command("tar", {
      args: ["-cf", `${root.dir}/evil.tar`, "-C", tree, "."],
    }).output();
    assertEquals(tar.code, 0);
    const imp = await root.run("import", `${root.dir}/evil.tar`, "evil");
    assertEquals(imp.code, 0, imp.stderr);
    const src = `${root.dir}/src`;
    Deno.mkdirSync(src);
    Deno.writeTextFileSync(`${src}/payload`, "p");
    const r = await root.run("run", "-v", `${src}:/escape/x`, "evil", "ls", `${bait}/x`);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.trim(), "payload"); // seen inside, at the container's own path
    assertEquals([...Deno.readDirSync(bait)], [], "nothing was created on the host");
  });
});

Deno.test("run --rm leaves no record, layer or mount", async () => {
  await withRoot(async (root) => {
    const r = await root.run("run", "--rm", "busybox", "sh", "-c", "echo gone > /f");
    assertEquals(r.code, 0, r.stderr);
    assertEquals(root.store().ids(), []);
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
    assertEquals(mountsUnder(root.dir), []);
  });
});

Deno.test("run -d: survives the CLI, output goes to the log", async () => {
  await withRoot(async (root) => {
    const d = await root.run("run", "-d", "busybox", "sh", "-c", "echo started; sleep 30");
    assertEquals(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    const rec = root.store().get(id);
    assertEquals(rec.state.status, "running");
    const log = `${root.dir}/containers/${id}/container.log`;
    await eventually(() => {
      try {
        return Deno.readTextFileSync(log) === "started\n";
      } catch {
        return false;
      }
    });
    // The CLI has exited; the container is still there.
    assert(Deno.readTextFileSync(`/proc/${rec.state.pid}/cmdline`).startsWith("sleep"));
  });
});

Deno.test("run -it: a real terminal with job control, under a pty the test creates", async () => {
  await withRoot(async (root) => {
    const { code, screen } = await root.runInTerminal(
      { rows: 33, cols: 101 },
      "run",
      "-it",
      "busybox",
      "sh",
      "-c",
      "tty; [ -t 0 ] && echo stdin-is-tty; stty size; echo $TERM",
    );
    assertEquals(code, 0, screen);
    assertStringIncludes(screen, "/dev/pts/0");
    assertStringIncludes(screen, "stdin-is-tty");
    assertStringIncludes(screen, "33 101");
    assertStringIncludes(screen, "xterm");
  });
});

Deno.test("run: bad inputs give one line, Docker's exit code, and leave nothing", async () => {
  await withRoot(async (root) => {
    const cases: Array<[string[], number, RegExp]> = [
      [
        // Without --pull never the image would be pulled first (Docker prints two lines then).
        ["run", "--pull", "never", "nosuchimage", "true"],
        125,
        /^dockergsh: Error response from daemon: No such image: nosuchimage:latest\./,
      ],
      // Docker: `relative:/x` names a volume; `bad/x` cannot name one.
      [["run", "-v", "bad/x:/x", "busybox", "true"], 125, /includes invalid characters/],
      [["run", "busybox", "nosuchcmd"], 127, /executable file not found in \$PATH/],
      [["run", "busybox", "/etc/passwd"], 126, /permission denied/],
      [["run", "--name", "bad/name", "busybox", "true"], 125, /Invalid container name/],
      [["run", "busybox"], 125, /No command specified/],
      [["run", "--bogus", "busybox", "true"], 125, /unknown flag: --bogus/],
    ];
    for (const [args, code, re] of cases) {
      const r = await root.run(...args);
      assertEquals(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert(re.test(r.stderr), `${args.join(" ")}: ${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
      assertEquals(root.store().ids(), [], `${args.join(" ")} left a container`);
    }
    assertEquals(mountsUnder(root.dir), []);

    const first = await root.run("run", "--name", "dup", "busybox", "true");
    assertEquals(first.code, 0, first.stderr);
    const dup = await root.run("run", "--name", "dup", "busybox", "true");
    assertEquals(dup.code, 125);
    assertStringIncludes(dup.stderr, 'The container name "/dup" is already in use');
    assertEquals(root.store().ids().length, 1);

    // Not root: refused before anything is made.
    const denoDir = await Deno.makeTempDir({ prefix: "dgsh-nobody-deno-" });
    await Deno.chmod(denoDir, 0o777);
    const nobody = await new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        ...cliArgv(root.dir, ["run", "busybox", "true"]),
      ],
      stdout: "piped",
      stderr: "piped",
      env: { DENO_DIR: denoDir },
    }).output();
    assertEquals(nobody.code, 125);
    assertStringIncludes(new TextDecoder().decode(nobody.stderr), "needs root");
    await Deno.remove(denoDir, { recursive: true });
  });
});
