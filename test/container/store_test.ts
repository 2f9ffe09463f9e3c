import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { createdState } from "../../src/container/record.ts";
import type { ContainerRecord } from "../../src/container/record.ts";
import { ContainerStore } from "../../src/container/store.ts";
import { processStartTime } from "../../src/process/proc.ts";
import { StateRoot } from "../../src/store/paths.ts";

/** A record with what the store itself reads: its ID and state. */
function bareRecord(id: string): Omit<ContainerRecord, "name"> {
  return { id, created: new Date().toISOString(), state: createdState() } as Omit<
    ContainerRecord,
    "name"
  >;
}

async function withStore(fn: (store: ContainerStore, dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-test-" });
  try {
    await fn(new ContainerStore(new StateRoot(dir)), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("store: delete while another process keeps adding files to the container's directory", async () => {
  await withStore(async (store, dir) => {
    const id = "c".repeat(64);
    store.create(bareRecord(id), "busy");
    const containerDir = `${dir}/containers/${id}`;
    // As the monitor's log index of a run that just exited: files created
    // in the directory, without the record's lock, while it is removed.
    const writer = new Deno.Command("sh", {
      args: [
        "-c",
        'i=0; while :; do i=$((i+1)); : > "$1/late-$i" 2>/dev/null; done',
        "sh",
        containerDir,
      ],
    }).spawn();
    try {
      while (![...Deno.readDirSync(containerDir)].some((e) => e.name.startsWith("late-"))) {
        await new Promise((r) => setTimeout(r, 5));
      }
      store.delete(id);
    } finally {
      writer.kill("SIGKILL");
      await writer.status;
    }
    assertEquals([...Deno.readDirSync(`${dir}/containers`)].map((e) => e.name), []);
    assertEquals(store.ids(), []);
  });
});

Deno.test("store: a removal killed after its rename is finished by the next one", async () => {
  await withStore((store, dir) => {
    const left = `${dir}/containers/.removing-${"a".repeat(64)}-x`;
    Deno.mkdirSync(`${left}/upper/etc`, { recursive: true });
    Deno.writeTextFileSync(`${left}/config.json`, "{}");
    const id = "b".repeat(64);
    store.create(bareRecord(id));
    assertEquals(store.ids(), [id]);
    store.delete(id);
    assertEquals([...Deno.readDirSync(`${dir}/containers`)].map((e) => e.name), []);
    assert(![...Deno.readDirSync(`${dir}/locks`)].some((e) => e.name.includes(id)));
  });
});

Deno.test("store: takeOut hides the container at once; purge removes its tree, leaves another live remover's", async () => {
  await withStore(async (store, dir) => {
    const dead = new Deno.Command("sh", { args: ["-c", ":"] }).spawn();
    await dead.status;
    const leftover = `${dir}/containers/.removing-${"d".repeat(64)}-${dead.pid}-x`;
    const atWork = `${dir}/containers/.removing-${"e".repeat(64)}-${Deno.pid}-x`;
    // This pid with another start time: a remover gone, its pid now another process's.
    const reused = `${dir}/containers/.removing-${"c".repeat(64)}-${Deno.pid}.1-x`;
    for (const tree of [leftover, atWork, reused]) {
      Deno.mkdirSync(`${tree}/upper/etc`, { recursive: true });
    }
    const id = "f".repeat(64);
    store.create(bareRecord(id), "doomed");
    Deno.mkdirSync(`${dir}/containers/${id}/work/work`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/containers/${id}/work/work/f`, "x");
    const doomed = store.takeOut(id);
    assertMatch(
      doomed,
      new RegExp(`/\\.removing-${id}-${Deno.pid}\\.${processStartTime(Deno.pid)}-`),
    );
    // Taken out: neither listed nor found, while its files are still there.
    assertEquals(store.ids(), []);
    assertEquals(store.load(id), undefined);
    assert(Deno.statSync(`${doomed}/work/work/f`).isFile);
    await store.purge(id, doomed);
    const left = [...Deno.readDirSync(`${dir}/containers`)].map((e) => e.name);
    // The dead remover's tree is swept; the one whose remover runs (this process) is its own.
    assertEquals(left, [atWork.slice(atWork.lastIndexOf("/") + 1)]);
    assert(![...Deno.readDirSync(`${dir}/locks`)].some((e) => e.name.includes(id)));
  });
});

Deno.test("store: a leftover tree that will not go (a mount in it) fails neither this removal nor the next", async () => {
  await withStore(async (store, dir) => {
    const dead = new Deno.Command("sh", { args: ["-c", ":"] }).spawn();
    await dead.status;
    const stuck = `${dir}/containers/.removing-${"9".repeat(64)}-${dead.pid}-x`;
    Deno.mkdirSync(`${stuck}/devpts`, { recursive: true });
    const mounted = new Deno.Command("mount", { args: ["-t", "tmpfs", "none", `${stuck}/devpts`] })
      .outputSync();
    assertEquals(mounted.code, 0, new TextDecoder().decode(mounted.stderr));
    try {
      for (const id of ["7".repeat(64), "8".repeat(64)]) {
        store.create(bareRecord(id));
        store.delete(id);
        assertEquals(store.load(id), undefined);
      }
      const left = [...Deno.readDirSync(`${dir}/containers`)].map((e) => e.name);
      assertEquals(left, [stuck.slice(stuck.lastIndexOf("/") + 1)]);
    } finally {
      new Deno.Command("umount", { args: [`${stuck}/devpts`] }).outputSync();
    }
  });
});
