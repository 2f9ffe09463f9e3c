/**
 * config.json's `mounts` beyond containerd's defaults (bind mounts with
 * their options, mqueue, a cgroup tree in a cgroup namespace),
 * `linux.devices`, and `annotations` in the state.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { lstatOrUndefined, splitDev } from "../../src/_fs.ts";
import { eventually } from "../_harness.ts";
import { defaultSpec, withBundle } from "./_bundle.ts";

/** The mountinfo line of `pid`'s mount at `target`. */
function mountAt(pid: number, target: string): string {
  const line = Deno.readTextFileSync(`/proc/${pid}/mountinfo`).split("\n")
    .find((l) => l.split(" ")[4] === target);
  if (!line) throw new Error(`nothing mounted on ${target}`);
  return line;
}

Deno.test("runtime: bind (ro, rw), mqueue and cgroup mounts; linux.devices; annotations", async () => {
  const spec = defaultSpec("mounts", [
    "sh",
    "-c",
    "cat /proc/self/cgroup > /tmp/cgroup; exec sleep 100",
  ]);
  await withBundle(spec, async (t) => {
    const host = `${t.dir}/shared`;
    Deno.mkdirSync(host);
    Deno.writeTextFileSync(`${host}/file`, "from the host");
    spec.mounts!.push(
      { destination: "/ro", type: "bind", source: host, options: ["rbind", "ro", "nosuid"] },
      { destination: "/rw", type: "bind", source: host, options: ["rbind", "rw"] },
      // Unbindable ones too: a recursive bind of the root made after them would leave them out.
      { destination: "/unb", type: "bind", source: host, options: ["bind", "unbindable"] },
      { destination: "/runb", type: "bind", source: host, options: ["rbind", "runbindable"] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid"] },
      { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro"] },
    );
    spec.linux!.namespaces!.push({ type: "cgroup" });
    spec.linux!.devices = [{
      path: "/dev/mine",
      type: "c",
      major: 1,
      minor: 3,
      fileMode: 0o640,
      uid: 1000,
      gid: 1001,
    }];
    spec.annotations = { "org.example/purpose": "test" };
    t.writeSpec(spec);
    const pid = await t.create("mounts");
    assertEquals((await t.runc("start", "mounts")).code, 0);
    const root = `/proc/${pid}/root`;

    assertEquals(Deno.readTextFileSync(`${root}/ro/file`), "from the host");
    const ro = mountAt(pid, "/ro").split(" ")[5].split(",");
    assert(ro.includes("ro") && ro.includes("nosuid"), ro.join(","));
    assert(mountAt(pid, "/rw").split(" ")[5].split(",").includes("rw"));
    for (const target of ["/unb", "/runb"]) {
      const line = mountAt(pid, target);
      assert(line.split(" - ")[0].split(" ").slice(6).includes("unbindable"), line);
    }
    Deno.writeTextFileSync(`${root}/rw/new`, "from inside");
    assertEquals(Deno.readTextFileSync(`${host}/new`), "from inside");
    assert(mountAt(pid, "/dev/mqueue").includes(" - mqueue "));

    // Its own cgroup namespace: its cgroup is the root of the tree it sees.
    assert(
      Deno.readLinkSync(`/proc/${pid}/ns/cgroup`) !== Deno.readLinkSync("/proc/self/ns/cgroup"),
    );
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    const seen = Deno.readTextFileSync(`${t.rootfs}/tmp/cgroup`).trim().split("\n");
    assert(seen.every((l) => l.endsWith(":/")), seen.join("; "));
    assert(mountAt(pid, "/sys/fs/cgroup").split(" ")[5].split(",").includes("ro"));

    const dev = Deno.statSync(`${root}/dev/mine`);
    assertEquals(dev.isCharDevice, true);
    const { major, minor } = splitDev(dev.rdev ?? 0);
    assertEquals([major, minor, dev.mode! & 0o777, dev.uid, dev.gid], [1, 3, 0o640, 1000, 1001]);
    // runc's default nodes are there too.
    assertEquals(Deno.statSync(`${root}/dev/null`).isCharDevice, true);

    assertEquals((await t.state("mounts")).annotations, { "org.example/purpose": "test" });
  });
});

Deno.test("runtime: run --no-pivot detaches the host's mounts, moves the root over the old one and chroots", async () => {
  const spec = defaultSpec("np", ["sh", "-c", "cut -d' ' -f5 /proc/self/mountinfo; ls /"]);
  await withBundle(spec, async (t) => {
    // --debug first: the run's stdio are then pipes, the container's output and the kernel steps.
    const pivoted = await t.runc("--debug", "run", "--bundle", t.bundle, "pv");
    assertEquals(pivoted.code, 0, t.lastError());
    const moved = await t.runc("--debug", "run", "--bundle", t.bundle, "--no-pivot", "np");
    assertEquals(moved.code, 0, t.lastError());

    // Inside, the same root and mounts as a pivoted container.
    assertEquals(moved.stdout, pivoted.stdout);
    assert(moved.stdout.includes("busybox") || moved.stdout.includes("bin\n"), moved.stdout);
    assert(pivoted.stderr.includes("pivotRoot("));
    assert(!moved.stderr.includes("pivotRoot("), moved.stderr);
    const rootfs = Deno.realPathSync(t.rootfs);
    const steps = [
      `umount2("/proc", MNT_DETACH)`,
      `mount(${JSON.stringify(rootfs)}, "/", null, MS_MOVE)`,
      `chroot(".")`,
    ];
    let at = 0;
    for (const step of steps) {
      const next = moved.stderr.indexOf(step, at);
      assert(next >= 0, `${step} not after offset ${at} in:\n${moved.stderr}`);
      at = next;
    }
    for (const hostMount of ["/sys", "/dev"]) {
      assertStringIncludes(moved.stderr, `umount2(${JSON.stringify(hostMount)}, MNT_DETACH)`);
    }
    // The mounts the root lies under stay: detaching one would take the root with it.
    assert(!moved.stderr.includes(`umount2("/", `), moved.stderr);
  });
});

Deno.test("runtime: --no-pivot is refused with a user namespace; an exec lands in the container's root", async () => {
  const spec = defaultSpec("npx", ["sleep", "100"]);
  spec.linux!.namespaces!.push({ type: "user" });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  await withBundle(spec, async (t) => {
    assertEquals((await t.runc("create", "--bundle", t.bundle, "--no-pivot", "npx")).code, 1);
    assertStringIncludes(t.lastError(), "--no-pivot with a user namespace is refused");
    assertEquals(lstatOrUndefined(`${t.root}/npx`), undefined);

    // A --no-pivot container with CAP_SYS_ADMIN that unmounts its root: the namespace's root
    // is the host's old one then, and an exec must still get the container's.
    const admin = defaultSpec("npa", ["sh", "-c", "umount -l / && exec sleep 100"]);
    for (const set of ["bounding", "effective", "permitted"] as const) {
      admin.process!.capabilities![set]!.push("CAP_SYS_ADMIN");
    }
    t.writeSpec(admin);
    const pid = await t.create("npa", "--no-pivot");
    assertEquals((await t.runc("start", "npa")).code, 0, t.lastError());
    await eventually(() => Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === "sleep");
    const inside = await t.runc("exec", "npa", "ls", "/bin/busybox");
    assertEquals([inside.code, inside.stdout.trim()], [0, "/bin/busybox"], inside.stderr);
  });
});
