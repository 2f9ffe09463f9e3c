/**
 * A default container is a boundary, as Docker's is: each way out below is
 * tried from inside a real container, fails by default, and works again
 * with the opt-out that should allow it. What the kernel says
 * (/proc/self/status, mountinfo, errno) is the evidence.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { eventually, type TestRoot, withRoot } from "../_harness.ts";

/** Docker 20.10's default capability set, as its busybox containers show it here. */
const DOCKER_CAPS = "00000000a80425fb";

/** `key:\tvalue` lines of /proc/<pid>/status as a map. */
function statusFields(text: string): Map<string, string> {
  return new Map(
    text.trim().split("\n").map((l) => {
      const [k, v] = l.split(":\t");
      return [k, v?.trim() ?? ""];
    }),
  );
}

/** Runs `script` with sh in a new container with `flags`; its output, or a failure. */
async function inContainer(root: TestRoot, flags: string[], script: string): Promise<string> {
  const r = await root.run("run", "--rm", ...flags, "busybox", "sh", "-c", script);
  assertEquals(r.code, 0, `run ${flags.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const STATUS = "grep -E '^(Cap|Seccomp|NoNewPrivs|Groups)' /proc/self/status";

Deno.test("confinement: Docker's capabilities and seccomp in run, run -d and exec", async () => {
  await withRoot(async (root) => {
    const run = statusFields(await inContainer(root, [], STATUS));
    for (const set of ["CapPrm", "CapEff", "CapBnd"]) assertEquals(run.get(set), DOCKER_CAPS, set);
    assertEquals(run.get("CapInh"), "0000000000000000");
    assertEquals(run.get("CapAmb"), "0000000000000000");
    assertEquals(run.get("Seccomp"), "2");
    assertEquals(run.get("Seccomp_filters"), "1");
    assertEquals(run.get("NoNewPrivs"), "0");

    const d = await root.run("run", "-d", "--name", "capped", "busybox", "sleep", "60");
    assertEquals(d.code, 0, d.stderr);
    const pid = root.store().resolve("capped").state.pid;
    const pid1 = statusFields(Deno.readTextFileSync(`/proc/${pid}/status`));
    assertEquals(pid1.get("CapEff"), DOCKER_CAPS);
    assertEquals(pid1.get("Seccomp"), "2");

    const exec = await root.run("exec", "capped", "sh", "-c", STATUS);
    assertEquals(exec.code, 0, exec.stderr);
    const e = statusFields(exec.stdout);
    for (const k of ["CapPrm", "CapEff", "CapBnd", "CapInh", "CapAmb", "Seccomp", "NoNewPrivs"]) {
      assertEquals(e.get(k), run.get(k), `exec ${k}`);
    }
    // exec --privileged: every capability this host's root has; the filter stays.
    const priv = await root.run("exec", "--privileged", "capped", "sh", "-c", STATUS);
    const own = statusFields(Deno.readTextFileSync("/proc/self/status")).get("CapBnd");
    assertEquals(statusFields(priv.stdout).get("CapEff"), own);
    assertEquals(statusFields(priv.stdout).get("Seccomp"), "2");
  });
});

Deno.test("confinement: a syscall the profile denies is EPERM; unconfined and custom profiles", async () => {
  await withRoot(async (root) => {
    // A user namespace needs no capability: only seccomp stands in the way.
    const denied = await root.run("run", "--rm", "busybox", "unshare", "-U", "true");
    assertEquals(denied.code, 1);
    assertStringIncludes(denied.stderr, "Operation not permitted");
    const unconfined = await inContainer(
      root,
      ["--security-opt", "seccomp=unconfined"],
      `${STATUS}; unshare -U true && echo ok`,
    );
    assertEquals(statusFields(unconfined).get("Seccomp"), "0");
    assertStringIncludes(unconfined, "ok");

    // A user's profile in Docker's format: everything allowed but mkdir, which fails with EACCES.
    const profile = `${root.dir}/profile.json`;
    Deno.writeTextFileSync(
      profile,
      JSON.stringify({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }],
      }),
    );
    const custom = await root.run(
      "run",
      "--rm",
      "--security-opt",
      `seccomp=${profile}`,
      "busybox",
      "sh",
      "-c",
      "mkdir /x; unshare -U true && echo userns",
    );
    assertStringIncludes(custom.stderr, "Permission denied");
    assertStringIncludes(custom.stdout, "userns");

    Deno.writeTextFileSync(profile, `{"defaultAction": "SCMP_ACT_BOGUS"}`);
    const bad = await root.run(
      "run",
      "--rm",
      "--security-opt",
      `seccomp=${profile}`,
      "busybox",
      "true",
    );
    assertEquals(bad.code, 125);
    assertMatch(
      bad.stderr.trim(),
      /^[^\n]*decoding seccomp profile failed: .*SCMP_ACT_BOGUS[^\n]*$/,
    );
    assertEquals(root.store().list().length, 0, "a refused create leaves no container");
  });
});

Deno.test("confinement: no mounts, no kernel knobs, nothing of the host's kernel state", async () => {
  await withRoot(async (root) => {
    const out = await inContainer(
      root,
      [],
      `
      mkdir -p /m /cg
      mount -t tmpfs none /m 2>/dev/null && echo tmpfs-mounted
      mount -o remount,rw /sys 2>/dev/null && echo sys-rw
      mount -t cgroup -o memory none /cg 2>/dev/null && echo cgroup-mounted
      mount -t devtmpfs none /m 2>/dev/null && echo devtmpfs-mounted
      echo x 2>/dev/null > /proc/sys/kernel/core_pattern && echo core-written
      echo 1 2>/dev/null > /sys/fs/cgroup/pids/pids.max && echo pids-written
      echo keys=$(wc -c < /proc/keys) timer_list=$(wc -c < /proc/timer_list)
      dmesg >/dev/null 2>&1 && echo dmesg-read
      echo kallsyms=$(head -1 /proc/kallsyms | cut -c1-16)
      grep -E ' /proc/(sys|bus|fs|irq) ' /proc/self/mountinfo | cut -d' ' -f5,6
      grep -E ' /proc/(keys|timer_list|acpi) | /sys/firmware ' /proc/self/mountinfo | cut -d' ' -f5
    `,
    );
    for (const escape of ["mounted", "sys-rw", "written", "dmesg-read"]) {
      assert(!out.includes(escape), `${escape}:\n${out}`);
    }
    assertStringIncludes(out, "keys=0 timer_list=0");
    assertStringIncludes(out, "kallsyms=0000000000000000");
    for (const p of ["sys", "bus", "fs", "irq"]) assertMatch(out, new RegExp(`/proc/${p} ro,`));
    for (const p of ["/proc/keys", "/proc/timer_list", "/sys/firmware"]) {
      assertStringIncludes(out, p);
    }

    // The opt-outs: CAP_SYS_ADMIN may mount; --privileged sees /proc unmasked and /sys writable.
    assertStringIncludes(
      await inContainer(
        root,
        ["--cap-add", "SYS_ADMIN"],
        "mkdir /m; mount -t tmpfs none /m && echo tmpfs-mounted",
      ),
      "tmpfs-mounted",
    );
    const priv = await inContainer(
      root,
      ["--privileged"],
      `
      grep -cE ' /proc/keys ' /proc/self/mountinfo
      grep -E ' /sys ' /proc/self/mountinfo | cut -d' ' -f6
      grep Seccomp: /proc/self/status
    `,
    );
    assertMatch(priv, /^0\nrw,.*\nSeccomp:\s+0\n$/);
    // With /proc/keys unmasked: the container's own session keyring, as Docker's (runc's),
    // `_ses.<ID>` with the owner allowed to search it; not the caller's.
    assertMatch(
      await inContainer(root, ["--privileged"], `grep " _ses.$(hostname)" /proc/keys`),
      /^\S+ \S+ +\d+ perm 3f1b0000 +0 +0 keyring +_ses\.[0-9a-f]{64}: empty\n$/,
    );
  });
});

Deno.test("confinement: its own cgroup namespace, the cgroup tree read-only", async () => {
  await withRoot(async (root) => {
    const out = await inContainer(
      root,
      ["--pids-limit", "50"],
      `
      cat /proc/self/cgroup
      cat /sys/fs/cgroup/pids/pids.max
      grep -E ' /sys/fs/cgroup(/[a-z]+)? ' /proc/self/mountinfo | cut -d' ' -f6 | sort -u
      echo fstypes: $(grep ' /sys/fs/cgroup/' /proc/self/mountinfo | awk '{for (i = 1; i < NF; i++) if ($i == "-") print $(i + 1)}' | sort -u)
    `,
    );
    // On a v1 or hybrid host, Docker's tree (the peer, Docker 20.10 here): the v1
    // hierarchies only, not the host's controller-less cgroup2 `unified`.
    if (exists("/sys/fs/cgroup/memory")) assertStringIncludes(out, "fstypes: cgroup\n");
    // Every hierarchy shows the container's own cgroup as its root.
    for (const line of out.split("\n").filter((l) => /^\d+:/.test(l))) assertMatch(line, /:\/$/);
    assertStringIncludes(out, "\n50\n");
    for (const opts of out.trim().split("\n").filter((l) => /^r[ow],/.test(l))) {
      assertMatch(opts, /^ro,/);
    }
  });
});

Deno.test("confinement: only Docker's device nodes and rules; --device adds one", async () => {
  await withRoot(async (root) => {
    const dev = await inContainer(root, [], "ls /dev");
    assertEquals(
      dev.trim().split("\n").sort(),
      [
        "console",
        "fd",
        "full",
        "mqueue",
        "null",
        "ptmx",
        "pts",
        "random",
        "shm",
        "stderr",
        "stdin",
        "stdout",
        "tty",
        "urandom",
        "zero",
      ]
        .filter((n) => n !== "console"),
    );
    // CAP_MKNOD makes the node; the device cgroup refuses to open it (FUSE needs no capability).
    const fuse = "mknod /f c 10 229; (exec 3</f) 2>/dev/null && echo opened || echo refused";
    assertStringIncludes(await inContainer(root, [], fuse), "refused");
    assertStringIncludes(
      await inContainer(root, ["--device", "/dev/fuse"], "(exec 3</dev/fuse) && echo opened"),
      "opened",
    );
    const missing = await root.run("run", "--rm", "--device", "/dev/nosuch", "busybox", "true");
    assertMatch(missing.stderr.trim(), /^[^\n]*\/dev\/nosuch": no such file or directory$/);
  });
});

Deno.test("confinement: -u runs without capabilities, --group-add, HOME from passwd", async () => {
  await withRoot(async (root) => {
    const nobody = await inContainer(
      root,
      ["-u", "65534", "--group-add", "10"],
      `
      ${STATUS}; id; echo HOME=$HOME
      echo x 2>/dev/null >> /etc/passwd && echo wrote-passwd || true
    `,
    );
    const s = statusFields(nobody);
    assertEquals(s.get("CapEff"), "0000000000000000");
    assertEquals(s.get("CapPrm"), "0000000000000000");
    assertEquals(s.get("CapBnd"), DOCKER_CAPS);
    assertEquals(s.get("Groups"), "10 65534");
    assertStringIncludes(nobody, "uid=65534(nobody) gid=65534(nogroup)");
    assertStringIncludes(nobody, "HOME=/nonexistent");
    assert(!nobody.includes("wrote-passwd"), nobody);
    // A uid without an entry: gid 0, HOME /, as Docker.
    assertStringIncludes(
      await inContainer(root, ["-u", "1234"], "id; echo HOME=$HOME"),
      "uid=1234 gid=0(root)",
    );
    const unknown = await root.run("run", "--rm", "-u", "nosuch", "busybox", "true");
    assertEquals(unknown.code, 125);
    assertStringIncludes(
      unknown.stderr,
      "unable to find user nosuch: no matching entries in passwd file",
    );
    assertEquals(root.store().list().length, 0);

    const d = await root.run(
      "run",
      "-d",
      "--name",
      "nobody",
      "-u",
      "nobody",
      "busybox",
      "sleep",
      "60",
    );
    assertEquals(d.code, 0, d.stderr);
    assertStringIncludes((await root.run("exec", "nobody", "id", "-u")).stdout, "65534");
    assertStringIncludes((await root.run("exec", "-u", "0", "nobody", "id", "-u")).stdout, "0");
    const bad = await root.run("exec", "-u", "nosuch", "nobody", "true");
    assertEquals(bad.code, 126);
  });
});

Deno.test("confinement: --read-only and --tmpfs, :ro volumes, single-file binds", async () => {
  await withRoot(async (root) => {
    const dir = `${root.dir}/vol`;
    Deno.mkdirSync(dir);
    Deno.writeTextFileSync(`${root.dir}/zone`, "UTC\n");
    const out = await inContainer(
      root,
      [
        "--read-only",
        "--tmpfs",
        "/run",
        "--tmpfs",
        "/x:size=1m,mode=700",
        "-v",
        `${dir}:/vol:ro`,
        "-v",
        `${root.dir}/zone:/etc/timezone:ro`,
      ],
      `
      touch /a 2>/dev/null && echo wrote-root
      touch /run/a && echo wrote-tmpfs
      grep ' /x ' /proc/self/mountinfo | cut -d" " -f10
      mount -o remount,bind,rw /vol 2>/dev/null && echo remounted
      touch /vol/a 2>/dev/null && echo wrote-volume
      cat /etc/timezone
    `,
    );
    assert(!out.includes("wrote-root") && !out.includes("remounted"), out);
    assert(!out.includes("wrote-volume"), out);
    assertStringIncludes(out, "wrote-tmpfs");
    assertStringIncludes(out, "rw,size=1024k,mode=700");
    assertStringIncludes(out, "UTC");
  });
});

Deno.test("confinement: --ulimit, no-new-privileges, and limits the host cannot give", async () => {
  await withRoot(async (root) => {
    assertEquals(
      await inContainer(
        root,
        ["--ulimit", "nofile=100:200", "--security-opt", "no-new-privileges"],
        "ulimit -n; ulimit -Hn; grep NoNewPrivs /proc/self/status",
      ),
      "100\n200\nNoNewPrivs:\t1\n",
    );
    const hard = Number(
      Deno.readTextFileSync("/proc/self/limits").match(/^Max open files\s+\d+\s+(\d+)/m)![1],
    );
    const cases: [string[], RegExp][] = [
      [
        ["--ulimit", `nofile=100:${hard + 1}`],
        /^dockergsh: cannot set RLIMIT_NOFILE .*CAP_SYS_RESOURCE/,
      ],
      [
        ["--ulimit", "nofile=300:200"],
        /soft limit must be less than or equal to hard limit: 300 > 200/,
      ],
      [["--ulimit", "bogus=1"], /invalid ulimit type: bogus/],
      [["--cap-add", "FOO"], /invalid CapAdd: unknown capability: "CAP_FOO"/],
      [["--cap-add", "SYS_RESOURCE"], /cannot give the container CAP_SYS_RESOURCE/],
      [["--security-opt", "foo"], /Invalid --security-opt: "foo"/],
      [
        ["--security-opt", "seccomp=/nonexistent"],
        /opening seccomp profile \(\/nonexistent\) failed/,
      ],
    ];
    for (const [flags, re] of cases) {
      const r = await root.run("run", "--rm", ...flags, "busybox", "true");
      assertEquals(r.code, 125, `${flags.join(" ")}: ${r.stderr}`);
      assertMatch(r.stderr.trim(), re);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assertEquals(root.store().list().length, 0, "no container is left by a refused run");
  });
});

Deno.test("confinement: exec never shows the container a process with the host's root", async () => {
  await withRoot(async (root) => {
    const marker = `${root.dir}/host-only`;
    Deno.writeTextFileSync(marker, "");
    // Inside, a watcher looks at every process's root for a file only the host has.
    const watch =
      `while true; do for p in /proc/[0-9]*; do [ -e $p/root${marker} ] && echo $p >> /seen; done; done`;
    const d = await root.run("run", "-d", "--name", "watcher", "busybox", "sh", "-c", watch);
    assertEquals(d.code, 0, d.stderr);
    for (let i = 0; i < 8; i++) {
      const r = await root.run("exec", "watcher", "true");
      assertEquals(r.code, 0, r.stderr);
    }
    const seen = await root.run("exec", "watcher", "sh", "-c", "cat /seen 2>/dev/null | wc -l");
    assertEquals(seen.stdout.trim(), "0");
  });
});

Deno.test("confinement: no descriptor but 0-2 reaches the command, in run, run -d and exec", async () => {
  await withRoot(async (root) => {
    // ls opens the directory it lists: that one fd is its own.
    const fds = "ls /proc/self/fd | wc -l";
    assertEquals((await inContainer(root, [], fds)).trim(), "4");
    const d = await root.run(
      "run",
      "-d",
      "--name",
      "fds",
      "busybox",
      "sh",
      "-c",
      `${fds}; sleep 60`,
    );
    assertEquals(d.code, 0, d.stderr);
    const pid = root.store().resolve("fds").state.pid;
    assertEquals([...Deno.readDirSync(`/proc/${pid}/fd`)].length, 3);
    assertEquals((await root.run("exec", "fds", "sh", "-c", fds)).stdout.trim(), "4");
    const detached = await root.run("exec", "-d", "fds", "sleep", "30");
    assertEquals(detached.code, 0);
  });
});

Deno.test("confinement: --debug names each step, in the kernel's order, flags by name", async () => {
  await withRoot(async (root) => {
    const r = await root.run("--debug", "run", "--rm", "busybox", "true");
    assertEquals(r.code, 0, r.stderr);
    const steps = [
      "unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET)",
      `"proc", MS_NOSUID|MS_NODEV|MS_NOEXEC`,
      "pivotRoot(",
      `mount("/dev/null", "/proc/keys", null, MS_BIND)`,
      "start received",
      "unshare(CLONE_NEWCGROUP)",
      `mount("cgroup", "/sys/fs/cgroup/memory", "cgroup", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC`,
      "cloexecFrom(3)",
      "seccompSetFilter(<",
      "prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN)",
      "setresuid(0)",
      `capset({"effective":"0xa80425fb"`,
      `execve("/bin/true"`,
    ];
    let at = 0;
    for (const step of steps) {
      const next = r.stderr.indexOf(step, at);
      assert(next >= 0, `${step} missing, or out of order, in:\n${r.stderr}`);
      at = next;
    }
  });
});

Deno.test("confinement: without libseccomp a container does not start, unless seccomp=unconfined", async () => {
  await withRoot(async (root) => {
    // The host's libseccomp, hidden in a private mount namespace for this run only.
    const lib = Deno.realPathSync("/usr/lib/x86_64-linux-gnu/libseccomp.so.2");
    const runWithoutLibseccomp = async (...flags: string[]) => {
      const argv = root.argv("run", "--rm", ...flags, "busybox", "echo", "ran");
      const script = `mount --bind /dev/null "$0" && exec "$@"`;
      const out = await new Deno.Command("unshare", {
        args: ["-m", "sh", "-c", script, lib, ...argv],
      })
        .output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    };
    const refused = await runWithoutLibseccomp();
    assertEquals(refused.code, 125, refused.stderr);
    assertEquals(refused.stdout, "");
    assertMatch(
      refused.stderr.trim(),
      /^dockergsh: seccomp confinement needs libseccomp: [^\n]*seccomp=unconfined$/,
    );
    assertEquals(root.store().list().length, 0);
    const unconfined = await runWithoutLibseccomp("--security-opt", "seccomp=unconfined");
    assertEquals([unconfined.code, unconfined.stdout], [0, "ran\n"], unconfined.stderr);
  });
});

Deno.test("confinement: a foreground container's stdio are pipes, never the user's terminal or files", async () => {
  await withRoot(async (root) => {
    const out = `${root.dir}/host-file`;
    // The user's redirection: without the relay, the container's fd 1 would be this host file.
    const argv = root.argv(
      "run",
      "--rm",
      "busybox",
      "sh",
      "-c",
      "for fd in 0 1 2; do readlink /proc/self/fd/$fd; done",
    );
    const redirected = 'exec "$@" > "$0" 2>&1 < /dev/null';
    const r = await new Deno.Command("sh", { args: ["-c", redirected, out, ...argv] }).output();
    assertEquals(r.code, 0);
    const [stdin, stdout, stderr] = Deno.readTextFileSync(out).trim().split("\n");
    assertMatch(stdin, /^\/(dev\/)?null$/); // the null device (the host's, which reads as nothing)
    assertMatch(stdout, /^pipe:\[\d+\]$/);
    assertMatch(stderr, /^pipe:\[\d+\]$/);
  });
});

Deno.test("confinement: exec -t resolves the container's ptmx inside its root, not through a planted link", async () => {
  await withRoot(async (root) => {
    const marker = `${root.dir}/host-only-dir`;
    Deno.mkdirSync(marker);
    const plant = `mount -t tmpfs t /dev/pts && ln -s ${marker} /dev/pts/ptmx && sleep 60`;
    const d = await root.run(
      "run",
      "-d",
      "--name",
      "planted",
      "--cap-add",
      "SYS_ADMIN",
      "busybox",
      "sh",
      "-c",
      plant,
    );
    assertEquals(d.code, 0, d.stderr);
    await eventually(async () =>
      (await root.run("exec", "planted", "test", "-L", "/dev/pts/ptmx")).code === 0
    );
    const r = await root.runInTerminal({ rows: 24, cols: 80 }, "exec", "-t", "planted", "true");
    assertEquals(r.code, 125, r.screen);
    // Inside the container's root the link leads nowhere: the host's directory was never opened.
    assertStringIncludes(r.screen, "ENOENT");
    assert(!r.screen.includes("EISDIR"), r.screen);
  });
});

Deno.test("confinement: an image's /etc/passwd made a FIFO, /dev/zero or /proc/kmsg does not hold up the init", async () => {
  await withRoot(async (root) => {
    const d = await root.run("run", "-d", "--name", "accounts", "busybox", "sleep", "60");
    assertEquals(d.code, 0, d.stderr);
    for (
      const how of [
        "mkfifo /etc/passwd",
        "ln -s /dev/zero /etc/passwd",
        "ln -s /proc/kmsg /etc/passwd",
      ]
    ) {
      assertEquals(
        (await root.run("exec", "accounts", "sh", "-c", `rm -f /etc/passwd; ${how}`)).code,
        0,
      );
      const t0 = performance.now();
      const r = await root.run("exec", "accounts", "true");
      assertEquals(r.code, 0, `${how}: ${r.stderr}`);
      assert(performance.now() - t0 < 5000, `${how}: exec took ${performance.now() - t0} ms`);
      // Not a regular file: no entries, so a name is unknown and a number still works.
      assertEquals((await root.run("exec", "-u", "nobody", "accounts", "true")).code, 126);
      assertEquals((await root.run("exec", "-u", "65534", "accounts", "true")).code, 0);
    }
  });
});
