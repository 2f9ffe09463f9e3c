/**
 * config.json's `process`, `hostname`, `root` and masked paths, applied
 * by the runtime on the real kernel and read back from /proc and from
 * inside the container.
 *
 * @module
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { eventually } from "../_harness.ts";
import { defaultSpec, procStatus, withBundle } from "./_bundle.ts";
import type { TestBundle } from "./_bundle.ts";

/** Waits for `name` under the rootfs's /tmp and returns it. */
async function output(t: TestBundle, name: string): Promise<string> {
  let text = "";
  await eventually(() => {
    try {
      text = Deno.readTextFileSync(`${t.rootfs}/tmp/${name}`);
      return text.endsWith("\n");
    } catch {
      return false;
    }
  });
  return text.trim();
}

Deno.test("runtime: user, groups, umask, rlimits, capabilities, no_new_privs, oomScoreAdj, cwd, env, hostname", async () => {
  const spec = defaultSpec("proc", [
    "sh",
    "-c",
    "id > /tmp/id; umask > /tmp/umask; hostname > /tmp/host; pwd > /tmp/cwd; echo $GREETING > /tmp/env; exec sleep 100",
  ]);
  spec.process!.user = { uid: 1000, gid: 1001, additionalGids: [20, 30], umask: 0o027 };
  spec.process!.cwd = "/tmp";
  spec.process!.env = ["PATH=/bin", "GREETING=hi there"];
  // An address space far smaller than the init's own (a Deno process) must still start the
  // command: the init leaves it to the trampoline it execs (limits_trampoline.ts).
  const gib = 1024 * 1024 * 1024;
  spec.process!.rlimits = [
    { type: "RLIMIT_NOFILE", soft: 512, hard: 768 },
    { type: "RLIMIT_AS", soft: gib, hard: gib },
  ];
  spec.process!.capabilities = {
    bounding: ["CAP_KILL", "CAP_NET_RAW"],
    effective: ["CAP_KILL"],
    permitted: ["CAP_KILL"],
    // A user other than root keeps capabilities across execve only as ambient ones.
    inheritable: ["CAP_KILL"],
    ambient: ["CAP_KILL"],
  };
  spec.process!.oomScoreAdj = 123;
  spec.hostname = "rt-host";
  await withBundle(spec, async (t) => {
    Deno.chmodSync(`${t.rootfs}/tmp`, 0o1777);
    const pid = await t.create("proc");
    assertEquals((await t.runc("start", "proc")).code, 0);
    assertEquals(await output(t, "id"), "uid=1000 gid=1001 groups=20,30");
    assertEquals(await output(t, "umask"), "0027");
    assertEquals(await output(t, "host"), "rt-host");
    assertEquals(await output(t, "cwd"), "/tmp");
    assertEquals(await output(t, "env"), "hi there");
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    assertEquals(procStatus(pid, "Uid"), "1000\t1000\t1000\t1000");
    assertEquals(procStatus(pid, "Gid"), "1001\t1001\t1001\t1001");
    assertEquals(procStatus(pid, "Groups"), "20 30");
    // CAP_KILL is 5, CAP_NET_RAW 13.
    assertEquals(procStatus(pid, "CapBnd"), (1n << 5n | 1n << 13n).toString(16).padStart(16, "0"));
    assertEquals(procStatus(pid, "CapEff"), (1n << 5n).toString(16).padStart(16, "0"));
    assertEquals(procStatus(pid, "NoNewPrivs"), "1");
    assertEquals(Deno.readTextFileSync(`/proc/${pid}/oom_score_adj`).trim(), "123");
    const limit = (name: string) =>
      Deno.readTextFileSync(`/proc/${pid}/limits`).split("\n").find((l) => l.startsWith(name))!
        .split(/\s{2,}/).slice(1, 3);
    assertEquals(limit("Max open files"), ["512", "768"]);
    assertEquals(limit("Max address space"), [`${gib}`, `${gib}`]);
  });
});

Deno.test("runtime: a lowered RLIMIT_AS is the command's, never the init's: an exec starts under it too", async () => {
  const spec = defaultSpec("as", ["sleep", "100"]);
  const mib = 1024 * 1024;
  spec.process!.rlimits = [{ type: "RLIMIT_AS", soft: 256 * mib, hard: 512 * mib }];
  await withBundle(spec, async (t) => {
    const pid = await t.create("as");
    assertEquals((await t.runc("start", "as")).code, 0);
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    const addressSpace = (limits: string) =>
      limits.split("\n").find((l) => l.startsWith("Max address space"))!.split(/\s{2,}/)
        .slice(1, 3);
    assertEquals(addressSpace(Deno.readTextFileSync(`/proc/${pid}/limits`)), [
      `${256 * mib}`,
      `${512 * mib}`,
    ]);
    // The exec's init (a Deno process) spawns the command: under the limit itself, its
    // posix_spawn could not even map the child's stack (ENOMEM).
    const r = await t.runc("exec", "as", "cat", "/proc/self/limits");
    assertEquals(r.code, 0, t.lastError());
    assertEquals(addressSpace(r.stdout), [`${256 * mib}`, `${512 * mib}`]);
  });
});

Deno.test("runtime: root.readonly, maskedPaths and readonlyPaths", async () => {
  const spec = defaultSpec("ro", [
    "sh",
    "-c",
    "echo x > /x 2>/dev/null; echo $? > /dev/shm/ro; cat /proc/kcore | wc -c > /dev/shm/kcore; " +
    "echo 1 > /proc/sys/kernel/domainname 2>/dev/null; echo $? > /dev/shm/sys; exec sleep 100",
  ]);
  spec.root!.readonly = true;
  spec.mounts!.push({ destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid"] });
  await withBundle(spec, async (t) => {
    Deno.symlinkSync("busybox", `${t.rootfs}/bin/wc`);
    const pid = await t.create("ro");
    assertEquals((await t.runc("start", "ro")).code, 0);
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    const shm = `/proc/${pid}/root/dev/shm`;
    assertEquals(Deno.readTextFileSync(`${shm}/ro`).trim(), "1");
    assertEquals(Deno.readTextFileSync(`${shm}/kcore`).trim(), "0");
    assertEquals(Deno.readTextFileSync(`${shm}/sys`).trim(), "1");
    const root = Deno.readTextFileSync(`/proc/${pid}/mountinfo`).split("\n")
      .find((l) => l.split(" ")[4] === "/")!;
    assert(root.split(" ")[5].split(",").includes("ro"), root);
  });
});

Deno.test("runtime: oomScoreAdj out of range is refused before anything is made", async () => {
  const spec = defaultSpec("oom", ["true"]);
  spec.process!.oomScoreAdj = 5000;
  await withBundle(spec, async (t) => {
    assertEquals((await t.runc("create", "--bundle", t.bundle, "oom")).code, 1);
    assertStringIncludes(t.lastError(), "oomScoreAdj");
    let made = true;
    try {
      Deno.statSync(`${t.root}/oom`);
    } catch {
      made = false;
    }
    assertEquals(made, false);
  });
});

/** The line of /proc/keys (the keys this process may view) of the keyring named `name`. */
function keyringLine(name: string): string | undefined {
  return Deno.readTextFileSync("/proc/keys").split("\n")
    .find((l) => l.includes(" keyring ") && l.split(/\s+/).includes(`${name}:`));
}

Deno.test("runtime: each container joins a session keyring of its own, unless --no-new-keyring", async () => {
  const spec = defaultSpec("keys", ["sleep", "100"]);
  await withBundle(spec, async (t) => {
    await t.create("keys");
    assertEquals((await t.runc("start", "keys")).code, 0, t.lastError());
    // Named `_ses.<id>.<random>`, so no other container can guess it, and listed in /proc/keys
    // only to its possessors, the container's processes: not to another process of root's.
    assertEquals(keyringLine("_ses.keys"), undefined);
    const keys = async (id: string) => {
      const r = await t.runc("exec", id, "cat", "/proc/keys");
      assertEquals(r.code, 0, t.lastError());
      return r.stdout.split("\n").filter((l) => / keyring +_ses\.(keys|other|shared)\./.test(l));
    };
    // An exec joins the container's keyring, by its name: only a possessor sees it.
    const seen = await keys("keys");
    assertEquals(seen.length, 1, seen.join("\n"));
    assertMatch(seen[0], / perm 3f080000 .* keyring +_ses\.keys\.[0-9a-f]{32}: empty$/);

    // Another container neither shares nor sees it.
    await t.create("other");
    assertEquals((await t.runc("start", "other")).code, 0, t.lastError());
    const other = await keys("other");
    assertEquals(other.length, 1, other.join("\n"));
    assertMatch(other[0], /_ses\.other\.[0-9a-f]{32}: empty$/);

    await t.create("shared", "--no-new-keyring");
    assertEquals((await t.runc("start", "shared")).code, 0, t.lastError());
    assert(!(await keys("shared")).some((l) => l.includes("_ses.shared")));
  });
});

Deno.test("runtime: --preserve-fds N gives the process fds 3 to 3+N-1, and only those the runtime was given", async () => {
  const spec = defaultSpec("keep", ["sh", "-c", "cat <&3; ls /proc/self/fd | tr '\\n' ' '"]);
  await withBundle(spec, async (t) => {
    const secret = `${t.dir}/passed`;
    Deno.writeTextFileSync(secret, "through fd 3\n");
    // The caller opens fd 3 (not close-on-exec) and execs the runtime, as podman or systemd do.
    const runWithFd3 = (...flags: string[]) =>
      new Deno.Command("sh", {
        args: [
          "-c",
          'exec 3<"$0"; exec "$@"',
          secret,
          ...t.runcArgv("run", "--bundle", t.bundle, ...flags),
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    const kept = await runWithFd3("--preserve-fds", "1", "keep");
    assertEquals(kept.code, 0, t.lastError());
    // ls's own directory fd is the 4th.
    assertEquals(new TextDecoder().decode(kept.stdout), "through fd 3\n0 1 2 3 4 ");
    const closed = await runWithFd3("keep");
    assertEquals(new TextDecoder().decode(closed.stdout).split("\n").pop(), "0 1 2 3 ");
    // fd 4 was never given (it is the runtime's own, close-on-exec): refused, nothing made.
    assertEquals((await runWithFd3("--preserve-fds", "2", "keep")).code, 1);
    assertStringIncludes(t.lastError(), "--preserve-fds 2: fd 4 is not one this runtime was given");
    assertEquals([...Deno.readDirSync(t.root)].filter((e) => !e.name.startsWith("@")), []);
  });
});
