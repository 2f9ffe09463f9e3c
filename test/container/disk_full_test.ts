/**
 * A full disk under the state root (a 24 MB tmpfs as --root, filled from
 * inside a container that keeps filling whatever is freed, so that every
 * removal starts on a full disk): reads work, removals work and free the space,
 * commands that need space (commit too, whose copies cp and tar make) fail
 * with one line naming the root, and no temporary file is left.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { BUSYBOX_TAR, dockergsh, eventually, TEST_CGROUP_PARENT } from "../_harness.ts";
import { hostVethName } from "../../src/network/bridge_driver.ts";

/** Runs a host program to completion. */
function host(program: string, ...args: string[]): { code: number; out: string } {
  const r = new Deno.Command(program, { args, stdin: "null" }).outputSync();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Free KiB of the filesystem at `dir` (statfs, through df). */
function freeKiB(dir: string): number {
  return Number(host("df", "--output=avail", "-k", dir).out.trim().split("\n")[1]);
}

/** Every `*.tmp-*` file under `dir`. */
function tempFiles(dir: string): string[] {
  return host("find", dir, "-name", "*.tmp-*").out.trim().split("\n").filter((l) => l !== "");
}

/** Unmounts `dir`, waiting for the state root's monitor (which holds files there) to go idle and exit. */
async function unmount(dir: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (host("umount", dir).code !== 0) {
    if (performance.now() > deadline) {
      host("umount", "-l", dir);
      throw new Error(`${dir} stayed busy`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("a full disk under the state root: reads work, removals free it, writes fail in one line", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-full-" });
  assertEquals(host("mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", dir).code, 0);
  const cli = (...args: string[]) => dockergsh(dir, args);
  const container = ["--net", "none", "--cgroup-parent", TEST_CGROUP_PARENT];
  const oneLine = new RegExp(
    `^dockergsh: Error response from daemon: no space left on device under ${dir}: \\S`,
  );
  try {
    assertEquals((await cli("import", BUSYBOX_TAR, "busybox")).code, 0);
    const spare = await cli("import", BUSYBOX_TAR, "spare");
    assertEquals(spare.code, 0, spare.stderr);
    const spareId = spare.stdout.trim().replace(/^sha256:/, "");
    const net = await cli("network", "create", "--subnet", "10.214.40.0/24", "fullnet");
    assertEquals(net.code, 0, net.stderr);
    const sleeper = await cli(
      "run",
      "-d",
      ...container,
      "--name",
      "sleeper",
      "busybox",
      "sleep",
      "1000",
    );
    assertEquals(sleeper.code, 0, sleeper.stderr);
    const stopper = await cli(
      "run",
      "-d",
      ...container,
      "--name",
      "stopper",
      "busybox",
      "sleep",
      "1000",
    );
    assertEquals(stopper.code, 0, stopper.stderr);
    const filler = await cli(
      "run",
      "-d",
      "--net",
      "fullnet",
      "-p",
      "18240:80",
      "--cgroup-parent",
      TEST_CGROUP_PARENT,
      "--name",
      "filler",
      "busybox",
      "sh",
      "-c",
      // Fills the disk, and again whatever a removal frees, within 0.2 s.
      "i=0; while :; do i=$((i+1)); dd if=/dev/zero of=/fill$i bs=64k 2>/dev/null; sleep 0.2; done",
    );
    assertEquals(filler.code, 0, filler.stderr);
    const fillerId = filler.stdout.trim();
    await eventually(() => freeKiB(dir) === 0, 20_000);

    // Reads.
    const ps = await cli("ps", "-a");
    assertEquals(ps.code, 0, ps.stderr);
    assertStringIncludes(ps.stdout, "filler");
    assertEquals((await cli("inspect", "filler")).code, 0);
    assertEquals((await cli("logs", "filler")).code, 0);
    assertStringIncludes((await cli("images")).stdout, "spare");
    assertStringIncludes((await cli("network", "ls")).stdout, "fullnet");

    // Writes: one line naming the root, exit 125, nothing left.
    for (
      const args of [
        ["run", ...container, "busybox", "true"],
        ["create", ...container, "busybox", "true"],
        ["network", "create", "--subnet", "10.214.41.0/24", "fullnet2"],
        ["tag", "busybox", "busybox:other"],
        ["import", BUSYBOX_TAR, "third"],
        ["commit", "sleeper", "snap"], // copies with cp and tar, into <root>/tmp
      ]
    ) {
      const r = await cli(...args);
      assertEquals(r.code, 125, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertMatch(r.stderr.trim(), oneLine);
    }
    assertEquals(
      host("ip", "-o", "addr").out.includes("10.214.41."),
      false,
      "fullnet2's bridge left",
    );
    assertEquals(
      [...Deno.readDirSync(`${dir}/containers`)].length,
      3,
      "a failed create left its directory",
    );
    assertEquals([...Deno.readDirSync(`${dir}/tmp`)], [], "an import or commit left its scratch");
    assertEquals(
      (await cli("images")).stdout.includes("snap"),
      false,
      "a failed commit made an image",
    );
    assertEquals(tempFiles(dir), []);
    // The commit paused the running container first, and could not record it: it is thawed again.
    const sleeperPid = JSON.parse((await cli("inspect", "sleeper")).stdout)[0].State.Pid;
    const freezer = Deno.readTextFileSync(`/proc/${sleeperPid}/cgroup`).split("\n")
      .find((l) => l.split(":")[1] === "freezer")?.split(":")[2];
    const cgroupFreeze = Deno.readTextFileSync(`/proc/${sleeperPid}/cgroup`).split("\n")
      .find((l) => l.startsWith("0::"))?.slice(3);
    const frozen = freezer !== undefined
      ? Deno.readTextFileSync(`/sys/fs/cgroup/freezer${freezer}/freezer.state`).trim() !== "THAWED"
      : Deno.readTextFileSync(`/sys/fs/cgroup${cgroupFreeze}/cgroup.freeze`).trim() === "1";
    assertEquals(frozen, false, "a failed commit left the container frozen");

    // Removals, each on a full disk (the filler refills what the last one freed).
    const full = async (before: string) => {
      await eventually(() => freeKiB(dir) === 0, 10_000);
      assertEquals(freeKiB(dir), 0, `the disk is not full before ${before}`);
    };
    await full("kill");
    const kill = await cli("kill", "sleeper");
    assertEquals(kill.code, 0, kill.stderr);
    await eventually(async () => (await cli("ps")).stdout.includes("sleeper") === false);
    const exited = await cli("ps", "-a");
    assertEquals(exited.code, 0, exited.stderr);
    assertMatch(exited.stdout, /Exited .* sleeper/);
    await full("rm");
    const rmExited = await cli("rm", "sleeper");
    assertEquals(rmExited.code, 0, rmExited.stderr);
    await full("stop");
    const stop = await cli("stop", "-t", "1", "stopper");
    assertEquals(stop.code, 0, stop.stderr);
    assertMatch((await cli("ps", "-a")).stdout, /Exited .* stopper/);
    await full("rmi");
    const rmi = await cli("rmi", "spare");
    assertEquals(rmi.code, 0, rmi.stderr);
    assertEquals((await cli("images")).stdout.includes("spare"), false, "rmi left the image");
    assertEquals(exists(`${dir}/images/${spareId}`), false, "rmi left the image's files");
    await full("rm of a stopped container");
    assertEquals((await cli("rm", "stopper")).code, 0);
    // The filler itself, running, with its network endpoint and published port.
    await full("rm -f of a running container");
    assertMatch((await cli("ps")).stdout, /Up .* filler/);
    const rm = await cli("rm", "-f", "filler");
    assertEquals(rm.code, 0, rm.stderr);
    assert(freeKiB(dir) > 20 * 1024, `rm -f left ${freeKiB(dir)} KiB free`);
    assertEquals(host("ip", "-o", "link").out.includes(hostVethName(fillerId)), false, "veth left");
    assertEquals(host("iptables-save").out.includes(`dockergsh:${fillerId.slice(0, 12)}`), false);
    assertEquals((await cli("rmi", "busybox")).code, 0);
    assertEquals((await cli("ps", "-aq")).stdout, "");
    assertEquals(tempFiles(dir), []);
  } finally {
    for (const name of ["filler", "sleeper", "stopper"]) await cli("rm", "-f", name);
    await cli("network", "rm", "fullnet");
    try {
      await unmount(dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  }
});
