/**
 * A `--rm` container's overlay is mounted `volatile` (its unmount at exit
 * then syncs nothing), a kept container's is not; mounting a volatile
 * upper again works in the same boot (restart, cp into a stopped one) and
 * is refused from another boot, in one line, leaving nothing made.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { mountsUnder, TEST_CGROUP_PARENT, withRoot } from "../_harness.ts";

/** The super options of the overlay the container's `/` is, as its own mountinfo shows them. */
const ROOT_OPTIONS = "grep ' / / ' /proc/self/mountinfo | sed 's/.* - overlay overlay //'";

/** Whether overlay's options say volatile (`volatile`; Linux 6.x shows `fsync=volatile`). */
function isVolatile(options: string): boolean {
  return options.trim().split(",").some((o) => o === "volatile" || o === "fsync=volatile");
}

function bootId(): string {
  return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
}

Deno.test("volatile: a --rm container's root overlay is volatile, a kept one's is not", async () => {
  await withRoot(async (root) => {
    const rm = await root.run("run", "--rm", "busybox", "sh", "-c", ROOT_OPTIONS);
    assertEquals(rm.code, 0, rm.stderr);
    assert(isVolatile(rm.stdout), rm.stdout);
    const kept = await root.run("run", "--name", "kept", "busybox", "sh", "-c", ROOT_OPTIONS);
    assertEquals(kept.code, 0, kept.stderr);
    assert(kept.stdout.includes("upperdir="), kept.stdout);
    assert(!isVolatile(kept.stdout), kept.stdout);
  });
});

Deno.test("volatile: restart of a detached --rm container mounts its upper again", async () => {
  await withRoot(async (root) => {
    const id = (await root.run("run", "-d", "--rm", "busybox", "sleep", "600")).stdout.trim();
    const marker = `${root.dir}/containers/${id}/work/work/incompat/volatile`;
    assert(exists(marker), "the kernel's mark of a volatile mount");
    const r = await root.run("restart", "-t", "0", id);
    assertEquals(r.code, 0, r.stderr);
    const inside = await root.run("exec", id, "sh", "-c", ROOT_OPTIONS);
    assertEquals(inside.code, 0, inside.stderr);
    assert(isVolatile(inside.stdout), inside.stdout);
    assertEquals(Deno.readTextFileSync(`${root.dir}/containers/${id}/volatile-boot`), bootId());
  });
});

Deno.test("volatile: an upper mounted volatile in another boot is refused, nothing made", async () => {
  await withRoot(async (root) => {
    for (const noted of [undefined, crypto.randomUUID()]) {
      const id = (await root.run("create", "--rm", "busybox", "true")).stdout.trim();
      const dir = `${root.dir}/containers/${id}`;
      Deno.mkdirSync(`${dir}/work/work/incompat/volatile`, { recursive: true });
      if (noted) Deno.writeTextFileSync(`${dir}/volatile-boot`, noted);
      const r = await root.run("start", "-a", id);
      assertEquals(r.code, 125, r.stderr);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(r.stderr.includes("the host restarted before it was removed"), r.stderr);
      assertEquals(mountsUnder(root.dir), []);
      assert(!exists(`/sys/fs/cgroup/memory${TEST_CGROUP_PARENT}/${id}`), "a cgroup was left");
      // As Docker's: a --rm container whose start failed is removed.
      assert(!root.store().ids().includes(id), "the container was kept");
    }
  });
});

Deno.test("volatile: an upper mounted volatile in this boot is mounted again by cp and start", async () => {
  await withRoot(async (root) => {
    const id = (await root.run("create", "--rm", "--name", "vol", "busybox", "cat", "/in"))
      .stdout.trim();
    const dir = `${root.dir}/containers/${id}`;
    // As a run killed before it removed its container leaves it.
    Deno.mkdirSync(`${dir}/work/work/incompat/volatile`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/volatile-boot`, bootId());
    const host = await Deno.makeTempFile();
    try {
      Deno.writeTextFileSync(host, "copied in\n");
      const cp = await root.run("cp", host, "vol:/in");
      assertEquals(cp.code, 0, cp.stderr);
    } finally {
      Deno.removeSync(host);
    }
    assert(!exists(`${dir}/work/work/incompat/volatile`), "cp's own mount is not volatile");
    const r = await root.run("start", "-a", "vol");
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "copied in\n");
  });
});
