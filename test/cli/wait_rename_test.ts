/**
 * wait and rename, as Docker 20.10 did here: `wait` of `sh -c 'sleep 1;
 * exit 5'` printed 5 once the process was gone; `wait A nosuch A` printed
 * 5, an error line for nosuch, 5, and exited 1. rename: the same name,
 * an invalid one, a taken one are exit 1 with the daemon's words; a
 * leading "/" is accepted.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { withRoot } from "../_harness.ts";
import { isSameProcess } from "../../src/process/proc.ts";

Deno.test("wait: blocks until the process is gone, prints exit codes in order, 1 if one is unknown", async () => {
  await withRoot(async (root) => {
    const run = await root.run(
      "run",
      "-d",
      "--name",
      "w5",
      "busybox",
      "sh",
      "-c",
      "sleep 1; exit 5",
    );
    assertEquals(run.code, 0, run.stderr);
    const { pid, pidStartTime } = root.store().resolve("w5").state;
    const waited = await root.run("wait", "w5");
    assertEquals([waited.code, waited.stdout], [0, "5\n"], waited.stderr);
    // It answered only once the container's PID 1 had exited.
    assert(!isSameProcess(pid, pidStartTime));

    const mixed = await root.run("wait", "w5", "nosuch", "w5");
    assertEquals([mixed.code, mixed.stdout, mixed.stderr], [
      1,
      "5\n5\n",
      "Error response from daemon: No such container: nosuch\n",
    ]);
    // Removed on exit (--rm): the code its die event recorded, as Docker's wait prints it.
    const rm = await root.run(
      "run",
      "-d",
      "--rm",
      "--name",
      "gone",
      "busybox",
      "sh",
      "-c",
      "sleep 1; exit 3",
    );
    assertEquals(rm.code, 0, rm.stderr);
    const gone = await root.run("wait", "gone");
    assertEquals([gone.code, gone.stdout], [0, "3\n"], gone.stderr);
    // A container never started is not running: it answers at once, 0 (Docker's "not-running").
    assertEquals((await root.run("create", "--name", "fresh", "busybox", "true")).code, 0);
    assertEquals((await root.run("wait", "fresh")).stdout, "0\n");
  });
});

Deno.test("rename: the record takes the new name; Docker's refusals, each exit 1", async () => {
  await withRoot(async (root) => {
    const a = await root.run("create", "--name", "first", "busybox", "true");
    assertEquals(a.code, 0, a.stderr);
    const id = a.stdout.trim();
    const b = await root.run("create", "--name", "other", "busybox", "true");
    const otherId = b.stdout.trim();

    const ok = await root.run("rename", "first", "/second");
    assertEquals([ok.code, ok.stdout, ok.stderr], [0, "", ""]);
    assertEquals(root.store().get(id).name, "second");
    assertEquals((await root.run("inspect", "-f", "{{.Name}}", id)).stdout, "/second\n");

    const cases: Array<[string[], string]> = [
      [
        ["rename", "second", "second"],
        "Error response from daemon: Renaming a container with the same name as its current name",
      ],
      [["rename", "nosuch", "x1"], "Error response from daemon: No such container: nosuch"],
      [
        ["rename", "second", "bad name"],
        "Error response from daemon: Error when allocating new name: Invalid container name " +
        "(/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
      ],
      [
        ["rename", "second", "other"],
        'Error response from daemon: Error when allocating new name: Conflict. The container name "/other" ' +
        `is already in use by container "${otherId}". You have to remove (or rename) that container to be able to reuse that name.`,
      ],
    ];
    for (const [args, line] of cases) {
      const r = await root.run(...args);
      assertEquals([r.code, r.stderr], [1, `${line}\n`], args.join(" "));
    }
    const argc = await root.run("rename", "second");
    assertEquals([argc.code, argc.stderr], [
      1,
      '"dockergsh rename" requires exactly 2 arguments.\n',
    ]);
    assertEquals(root.store().get(id).name, "second");
  });
});
