/**
 * `run --rm`'s end: the CLI releases the run (cgroups, endpoint), records
 * its die event, and removes the container, without storing the exit in a
 * record about to go. A CLI killed between the release and the removal
 * leaves the record of a run whose process is gone: `ps -a` shows it
 * exited, `rm` removes it, and nothing else is left.
 *
 * @module
 */

import { LinuxKernel } from "../../ffi/linux.ts";
import { V1_CONTROLLERS } from "../../src/cgroup/v1.ts";
import { deleteContainer } from "../../src/container/container_delete.ts";
import { type ContainerRecord, createdState } from "../../src/container/record.ts";
import { transition } from "../../src/container/state.ts";
import { ContainerStore } from "../../src/container/store.ts";
import { UserError } from "../../src/errors.ts";
import { processStartTime } from "../../src/process/proc.ts";
import { parseEvents } from "../../src/events/events.ts";
import { BitmapIpam } from "../../src/network/ipam.ts";
import { hostVethName } from "../../src/network/bridge_driver.ts";
import { NetworkStore } from "../../src/network/network_store.ts";
import { StateRoot } from "../../src/store/paths.ts";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { eventually, mountsUnder, TEST_CGROUP_PARENT, withRoot } from "../_harness.ts";

/** The cgroup directories of container `id` that exist, in every hierarchy (v1 and unified). */
function cgroupDirsOf(id: string): string[] {
  return [...V1_CONTROLLERS.map((c) => `/sys/fs/cgroup/${c}`), "/sys/fs/cgroup/unified"]
    .map((mount) => `${mount}${TEST_CGROUP_PARENT}/${id}`)
    .filter((dir) => {
      try {
        return Deno.statSync(dir).isDirectory;
      } catch {
        return false;
      }
    });
}

/** The actions of container `id`'s events, in order. */
function actionsOf(dir: string, id: string): string[] {
  const text = Deno.readTextFileSync(`${dir}/events/events.log`);
  return parseEvents(text).filter((e) => e.id === id).map((e) => e.Action);
}

Deno.test("run --rm killed after its exit's release, before the removal: ps shows it exited, rm removes it", async () => {
  await withRoot(async (root) => {
    const argv = root.argv("run", "-i", "--rm", "--name", "cut", "busybox", "sh", "-c", "read x");
    const cli = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await eventually(() => root.store().list().some((r) => r.state.status === "running"), 15_000);
    const [running] = root.store().list();
    assertEquals(cgroupDirsOf(running.id).length > 0, true, "the run has its cgroups");
    // The removal takes the names' lock: held here, the CLI stops right before it.
    const names = Deno.openSync(`${root.dir}/locks/containers.lock`, { read: true, write: true });
    try {
      names.lockSync(true);
      const w = cli.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
      await eventually(() => actionsOf(root.dir, running.id).includes("die"), 15_000);
      // Released before the die event: no cgroup is left for `rm` to find.
      assertEquals(cgroupDirsOf(running.id), []);
      cli.kill("SIGKILL");
      assertEquals((await cli.status).signal, "SIGKILL");
    } finally {
      names.close();
    }

    const ps = await root.run("ps", "-a", "--format", "{{.Names}} {{.Status}}");
    assertEquals(ps.code, 0, ps.stderr);
    assertMatch(ps.stdout, /^cut Exited \(unknown\) .* ago\n$/);
    const rm = await root.run("rm", "cut");
    assertEquals([rm.code, rm.stdout], [0, "cut\n"], rm.stderr);
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
    const locks = [...Deno.readDirSync(`${root.dir}/locks`)].map((e) => e.name);
    assert(!locks.some((l) => l.includes(running.id)), `lock files left: ${locks}`);
    assertEquals(cgroupDirsOf(running.id), []);
    assertEquals(mountsUnder(root.dir), []);
    // Docker's order: the exit's die before the removal's destroy.
    assertEquals(actionsOf(root.dir, running.id).slice(-2), ["die", "destroy"]);
  });
});

Deno.test("run --rm: the exit code is the CLI's, the die event carries it, nothing is left", async () => {
  await withRoot(async (root) => {
    const r = await root.run("run", "--rm", "--name", "seven", "busybox", "sh", "-c", "exit 7");
    assertEquals(r.code, 7, r.stderr);
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
    const events = parseEvents(Deno.readTextFileSync(`${root.dir}/events/events.log`));
    const mine = events.filter((e) => e.Actor.Attributes.name === "seven");
    assertEquals(mine.map((e) => e.Action), ["create", "attach", "start", "die", "destroy"]);
    assertEquals(mine[3].Actor.Attributes.exitCode, "7");
    assertEquals(cgroupDirsOf(mine[0].id), []);
    const locks = [...Deno.readDirSync(`${root.dir}/locks`)].map((e) => e.name);
    assert(!locks.some((l) => l.includes(mine[0].id)), `lock files left: ${locks}`);
  });
});

Deno.test("run --rm on a network: its exit releases the veth and the address, the next run gets it again", async () => {
  await withRoot(async (root) => {
    const made = await root.run("network", "create", "--subnet", "10.231.3.0/24", "exitnet");
    assertEquals(made.code, 0, made.stderr);
    const net = new NetworkStore(new StateRoot(root.dir)).get("exitnet")!;
    const ipam = new BitmapIpam(new StateRoot(root.dir), net);
    for (const name of ["first", "second"]) {
      const r = await root.run(
        "run",
        "--rm",
        "--net",
        "exitnet",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "ip -4 -o addr show eth0",
      );
      assertEquals(r.code, 0, r.stderr);
      // The address released by the first run's exit is the lowest free one again.
      assertMatch(r.stdout, / inet 10\.231\.3\.2\/24 /);
      assertEquals(ipam.allocated(), []);
      const events = parseEvents(Deno.readTextFileSync(`${root.dir}/events/events.log`));
      const id = events.find((e) => e.Actor.Attributes.name === name)!.id;
      const links = [...Deno.readDirSync("/sys/class/net")].map((e) => e.name);
      assert(!links.includes(hostVethName(id)), `${hostVethName(id)} left`);
    }
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
  });
});

Deno.test("rm of a stale record: a container started again since is refused and kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-test-" });
  try {
    const root = new StateRoot(dir);
    const store = new ContainerStore(root);
    const id = "a".repeat(64);
    // What the store and this removal read of a record: its ID, state and how it is stored.
    const base = {
      id,
      created: new Date().toISOString(),
      state: createdState(),
      config: { autoRemove: false, detach: true },
    };
    const first = store.create(base as Omit<ContainerRecord, "name">, "again");
    const ran = transition(first.state, {
      kind: "start",
      pid: 1,
      pidStartTime: 0,
      at: "2026-01-01T00:00:00.000Z",
    });
    // What `rm` read: its first run, ended.
    const stale = {
      ...first,
      state: transition(ran, { kind: "exit", exitCode: 0, at: "2026-01-01T00:00:01.000Z" }),
    };
    // Meanwhile started again: this process stands for its PID 1, alive.
    store.save({
      ...first,
      state: transition(stale.state, {
        kind: "start",
        pid: Deno.pid,
        pidStartTime: processStartTime(Deno.pid)!,
        at: new Date().toISOString(),
      }),
    });
    const refused = await deleteContainer(root, new LinuxKernel(), stale, false, {
      runtimeReleased: true,
    }).then(() => undefined, (err) => err);
    assert(refused instanceof UserError, `not refused: ${refused}`);
    assertMatch(refused.message, /it was started again while being removed/);
    assertEquals(store.load(id)?.state.pid, Deno.pid);
    assertEquals(store.ids(), [id]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
