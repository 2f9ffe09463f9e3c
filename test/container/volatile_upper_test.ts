/**
 * A `--rm` container's overlay is mounted `volatile` (its unmount at exit
 * then syncs nothing), a kept container's is not; mounting a volatile
 * upper again works in the same boot (restart, cp into a stopped one) and
 * is refused from another boot, in one line, leaving nothing made.
 *
 * @module
 */

import { assert, assertEquals, assertNotEquals } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { mountsUnder, TEST_CGROUP_PARENT, withRoot } from "../_harness.ts";
import { RecordingKernel } from "../_recording_kernel.ts";
import { prepareUpper } from "../../src/container/volatile_upper.ts";
import { StateRoot } from "../../src/store/paths.ts";

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

Deno.test("volatile: an upper mounted volatile in another boot is not started, nothing made", async () => {
  await withRoot(async (root) => {
    const bind = `${root.dir}/bind-source`;
    // No note (lost in a crash) with the kernel's mark; another boot's note, with and without it.
    const cases = [
      { noted: undefined, marked: true, attach: true },
      { noted: crypto.randomUUID(), marked: true, attach: false },
      { noted: crypto.randomUUID(), marked: false, attach: true },
    ];
    for (const { noted, marked, attach } of cases) {
      const id = (await root.run("create", "--rm", "-v", `${bind}/x:/x`, "busybox", "true"))
        .stdout.trim();
      const dir = `${root.dir}/containers/${id}`;
      if (marked) Deno.mkdirSync(`${dir}/work/work/incompat/volatile`, { recursive: true });
      if (noted) Deno.writeTextFileSync(`${dir}/volatile-boot`, noted);
      const r = await root.run("start", ...(attach ? ["-a"] : []), id);
      // Docker's CLI: a start that fails exits 1.
      assertEquals(r.code, 1, r.stderr);
      assert(r.stderr.includes("the host restarted before it was removed"), r.stderr);
      if (attach) assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertEquals(mountsUnder(root.dir), []);
      assert(!exists(`/sys/fs/cgroup/memory${TEST_CGROUP_PARENT}/${id}`), "a cgroup was left");
      assert(!exists(bind), "the bind's source was made");
      // As Docker's: a --rm container whose start failed is removed.
      assert(!root.store().ids().includes(id), "the container was kept");
    }
  });
});

Deno.test("volatile: an upper mounted volatile in another boot is not read (commit, export, diff, cp)", async () => {
  await withRoot(async (root) => {
    const id = (await root.run("create", "--rm", "--name", "torn", "busybox", "true")).stdout
      .trim();
    Deno.writeTextFileSync(`${root.dir}/containers/${id}/volatile-boot`, crypto.randomUUID());
    const out = await Deno.makeTempDir();
    try {
      for (
        const args of [
          ["commit", "torn", "torn-image"],
          ["export", "-o", `${out}/t.tar`, "torn"],
          ["diff", "torn"],
          ["cp", "torn:/etc/passwd", `${out}/passwd`],
          ["cp", `${root.dir}/containers/${id}/hosts`, "torn:/hosts"],
        ]
      ) {
        const r = await root.run(...args);
        assertNotEquals(r.code, 0, args.join(" "));
        assert(r.stderr.includes("the host restarted before it was removed"), r.stderr);
        assertEquals(mountsUnder(root.dir), []);
      }
      assertEquals([...Deno.readDirSync(out)], []);
      assertEquals((await root.run("images", "-q", "torn-image")).stdout, "");
    } finally {
      Deno.removeSync(out, { recursive: true });
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

Deno.test("volatile: the upper's filesystem is synced before the kernel's mark is cleared", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const id = "a".repeat(64);
    const container = `${dir}/containers/${id}`;
    Deno.mkdirSync(`${container}/upper`, { recursive: true });
    Deno.mkdirSync(`${container}/work/work/incompat/volatile`, { recursive: true });
    Deno.writeTextFileSync(`${container}/volatile-boot`, bootId());
    const kernel = new RecordingKernel();
    prepareUpper(new StateRoot(dir), kernel, id, false);
    assertEquals(kernel.calls.map((c) => c.call), ["open", "syncfs", "close"]);
    assertEquals(kernel.calls[0].args[0], `${container}/upper`);
    assert(!exists(`${container}/work/work`), "the mark is left");
    assert(!exists(`${container}/volatile-boot`), "a synced upper keeps its note");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
