/**
 * `exec` (detached with a pid file, attached with its exit code) and the
 * console socket: the pty master received over SCM_RIGHTS, read by a
 * small python3 receiver standing in for containerd's shim.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { eventually } from "../_harness.ts";
import { splitDev } from "../../src/_fs.ts";
import { cgroupDir, defaultSpec, withBundle } from "./_bundle.ts";

/** Accepts one connection on argv[1], receives the fd, prints the message and what the pty shows. */
const RECEIVER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(4096, socket.CMSG_SPACE(4))
fds = array.array("i")
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:4])
out = b""
while True:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
    if b"done" in out:
        break
print(msg.decode(), repr(out))
`;

/** A receiver listening at `path`; `output` settles with its one line. */
async function receiver(path: string): Promise<{ output: Promise<string> }> {
  const child = new Deno.Command("python3", {
    args: ["-c", RECEIVER, path],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await eventually(() => {
    try {
      return Deno.statSync(path).isSocket === true;
    } catch {
      return false;
    }
  });
  const output = child.output().then((o) =>
    new TextDecoder().decode(o.stdout).trim() + new TextDecoder().decode(o.stderr)
  );
  return { output };
}

Deno.test("runtime: exec --detach writes the process's host PID; exec waits and returns its status", async () => {
  const spec = defaultSpec("exec", ["sleep", "100"]);
  await withBundle(spec, async (t) => {
    const init = await t.create("exec");
    assertEquals((await t.runc("start", "exec")).code, 0);
    const processFile = `${t.dir}/process.json`;
    Deno.writeTextFileSync(
      processFile,
      JSON.stringify({ ...spec.process, args: ["sh", "-c", "exec sleep 50"] }),
    );
    const pidFile = `${t.dir}/exec.pid`;
    const r = await t.runc(
      "exec",
      "--process",
      processFile,
      "--detach",
      "--pid-file",
      pidFile,
      "exec",
    );
    assertEquals(r.code, 0, r.stderr);
    const text = Deno.readTextFileSync(pidFile);
    assert(/^[0-9]+$/.test(text), `pid file ${JSON.stringify(text)}`);
    const pid = Number(text);
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    for (const ns of ["pid", "mnt", "net", "uts", "ipc"]) {
      assertEquals(
        Deno.readLinkSync(`/proc/${pid}/ns/${ns}`),
        Deno.readLinkSync(`/proc/${init}/ns/${ns}`),
      );
    }
    const procs = Deno.readTextFileSync(`${cgroupDir("pids", "exec")}/cgroup.procs`);
    assert(procs.split("\n").map(Number).includes(pid), "exec'd process not in the cgroup");
    const ps = await t.runc("ps", "--format", "json", "exec");
    assertEquals(JSON.parse(ps.stdout), [init, pid].sort((a, b) => a - b));

    const attached = await t.runc(
      "exec",
      "--env",
      "CODE=3",
      "exec",
      "sh",
      "-c",
      "echo out-$CODE; exit $CODE",
    );
    assertEquals(attached.code, 3);
    assertEquals(attached.stdout, "out-3\n");

    assertEquals((await t.runc("kill", "--all", "exec", "9")).code, 0);
    await eventually(async () => (await t.state("exec")).status === "stopped");
    const late = await t.runc("exec", "exec", "true");
    assertEquals(late.code, 1);
    assertStringIncludes(late.stderr, "stopped");
  });
});

Deno.test("runtime: process.terminal sends the pty master over --console-socket; exec --tty too", async () => {
  const spec = defaultSpec("tty", ["sh", "-c", "tty; stty size; sleep 100"]);
  spec.process!.terminal = true;
  spec.process!.consoleSize = { height: 33, width: 111 };
  await withBundle(spec, async (t) => {
    const socket = `${t.dir}/console.sock`;
    const got = await receiver(socket);
    const init = await t.create("tty", "--console-socket", socket);
    assertEquals((await t.runc("start", "tty")).code, 0);
    await eventually(() => Deno.readTextFileSync(`/proc/${init}/comm`).trim() === "sleep");
    // The process's stdio are the slave, pts 0 (136:0) of the container's own devpts.
    const slave = Deno.statSync(`/proc/${init}/fd/0`);
    const { major, minor } = splitDev(slave.rdev ?? 0);
    assertEquals([major, minor], [136, 0]);
    assertEquals(slave.dev, Deno.statSync(`/proc/${init}/root/dev/pts`).dev);
    assert(slave.dev !== Deno.statSync("/dev/pts").dev, "the host's devpts");
    // The receiver holds the master: it reads what the container writes.
    const execSocket = `${t.dir}/exec.sock`;
    const execGot = await receiver(execSocket);
    const r = await t.runc(
      "exec",
      "--tty",
      "--console-socket",
      execSocket,
      "tty",
      "sh",
      "-c",
      "tty; echo done",
    );
    assertEquals(r.code, 0, r.stderr);
    const line = await execGot.output;
    assertStringIncludes(line, "/dev/pts/1");
    assertStringIncludes(line, "done");
    assertEquals((await t.runc("kill", "tty", "KILL")).code, 0);
    const created = await got.output;
    assertStringIncludes(created, "/dev/pts/0");
    assertStringIncludes(created, "33 111");

    spec.process!.terminal = false;
    t.writeSpec(spec);
    const refused = await t.runc("create", "--bundle", t.bundle, "--console-socket", socket, "x");
    assertEquals(refused.code, 1);
    assertStringIncludes(t.lastError(), "process.terminal is not set");
  });
});

Deno.test("runtime: a created container's init is not dumpable: an exec cannot reach its descriptors", async () => {
  const spec = defaultSpec("nodump", ["sleep", "100"]);
  await withBundle(spec, async (t) => {
    const init = await t.create("nodump");
    assertEquals((await t.state("nodump")).status, "created");
    // The init (Deno, waiting on the exec FIFO) holds host descriptors: its caches, the FIFO.
    assert(Deno.readDirSync(`/proc/${init}/fd`).some(() => true));
    const probe = await t.runc(
      "exec",
      "nodump",
      "sh",
      "-c",
      // Listing is a permission check on the directory; following a descriptor is ptrace's.
      "for f in /proc/1/fd/*; do readlink $f && exit; done; echo refused",
    );
    assertEquals([probe.code, probe.stdout], [0, "refused\n"], probe.stderr);
  });
});
