/**
 * events, as Docker 20.10 printed them here for `run` of `sh -c 'exit 3'`,
 * `start` again, `run -d sleep`, pause, unpause, rename, kill, rm:
 * `TIME container create ID (image=busybox, name=…)`, then attach, start,
 * die (exitCode=3), attach, start, die; pause, unpause, rename (oldName=/old), kill
 * (signal=9), die (exitCode=137), destroy; `--filter event=die --format
 * '{{json .}}'` Docker's JSON keys; an unknown filter key ignored; and the
 * log written by concurrent processes without a torn line.
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

const LINE =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container (\w+) ([0-9a-f]{64}) \((.*)\)$/;

Deno.test("events: the container lifecycle in Docker's line format, filtered, bounded by --since/--until", async () => {
  await withRoot(async (root) => {
    const since = String(Date.now() / 1000);
    assertEquals((await root.run("run", "--name", "ev1", "busybox", "sh", "-c", "exit 3")).code, 3);
    assertEquals((await root.run("start", "-a", "ev1")).code, 3);
    assertEquals((await root.run("run", "-d", "--name", "ev2", "busybox", "sleep", "100")).code, 0);
    assertEquals((await root.run("pause", "ev2")).code, 0);
    assertEquals((await root.run("unpause", "ev2")).code, 0);
    assertEquals((await root.run("rename", "ev2", "ev3")).code, 0);
    assertEquals((await root.run("kill", "ev3")).code, 0);
    assertEquals((await root.run("wait", "ev3")).stdout, "137\n");
    assertEquals((await root.run("rm", "ev1", "ev3")).code, 0);
    const until = String(Date.now() / 1000 + 1);

    const all = await root.run("events", "--since", since, "--until", until);
    assertEquals(all.code, 0, all.stderr);
    const events = all.stdout.trimEnd().split("\n").map((l) => {
      const m = LINE.exec(l);
      assert(m, `not Docker's line format: ${l}`);
      return { action: m[2], id: m[3], attrs: m[4] };
    });
    const ids = [...new Set(events.map((e) => e.id))];
    assertEquals(ids.length, 2);
    const [first, second] = ids;
    const of = (id: string) =>
      events.filter((e) => e.id === id).map((e) => `${e.action} (${e.attrs})`);
    assertEquals(of(first), [
      "create (image=busybox, name=ev1)",
      "attach (image=busybox, name=ev1)",
      "start (image=busybox, name=ev1)",
      "die (exitCode=3, image=busybox, name=ev1)",
      "attach (image=busybox, name=ev1)",
      "start (image=busybox, name=ev1)",
      "die (exitCode=3, image=busybox, name=ev1)",
      "destroy (image=busybox, name=ev1)",
    ]);
    assertEquals(of(second), [
      "create (image=busybox, name=ev2)",
      "start (image=busybox, name=ev2)",
      "pause (image=busybox, name=ev2)",
      "unpause (image=busybox, name=ev2)",
      "rename (image=busybox, name=ev3, oldName=/ev2)",
      "kill (image=busybox, name=ev3, signal=9)",
      "die (exitCode=137, image=busybox, name=ev3)",
      "destroy (image=busybox, name=ev3)",
    ]);
    // Times are in order.
    const times = all.stdout.trimEnd().split("\n").map((l) => Date.parse(l.split(" ")[0]));
    assertEquals([...times].sort((a, b) => a - b), times);

    const dies = await root.run(
      "events",
      "--since",
      since,
      "--until",
      until,
      "--filter",
      "event=die",
      "--filter",
      "container=ev3",
      "--format",
      "{{json .}}",
    );
    const json = dies.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assertEquals(json.length, 1);
    assertEquals(Object.keys(json[0]), [
      "status",
      "id",
      "from",
      "Type",
      "Action",
      "Actor",
      "scope",
      "time",
      "timeNano",
    ]);
    assertEquals(json[0].Actor, {
      ID: second,
      Attributes: { exitCode: "137", image: "busybox", name: "ev3" },
    });
    assertEquals(json[0].time, Math.floor(json[0].timeNano / 1e9));

    const byId = await root.run(
      "events",
      "--since",
      since,
      "--until",
      until,
      "-f",
      `container=${first.slice(0, 12)}`,
      "--format",
      "{{.Action}}",
    );
    assertEquals(byId.stdout, "create\nattach\nstart\ndie\nattach\nstart\ndie\ndestroy\n");
    // Docker 20.10 ignores a filter key it does not know.
    const unknown = await root.run("events", "--since", since, "--until", until, "-f", "bogus=1");
    assertEquals(unknown.stdout, all.stdout);
    const none = await root.run("events", "--since", "1h", "--until", "59m");
    assertEquals([none.code, none.stdout], [0, ""]);
    const bad = await root.run("events", "--since", "yesterday");
    assertEquals([bad.code, bad.stderr], [
      1,
      'failed to parse value as time or duration: "yesterday"\n',
    ]);
  });
});

Deno.test("events: lines from concurrent writers never interleave", async () => {
  await withRoot(async (root) => {
    const writer = `
      import { recordEvent } from ${
      JSON.stringify(new URL("../../src/events/events.ts", import.meta.url).href)
    };
      import { StateRoot } from ${
      JSON.stringify(new URL("../../src/store/paths.ts", import.meta.url).href)
    };
      const root = new StateRoot(${JSON.stringify(root.dir)});
      const name = "w" + Deno.args[0] + "-" + "x".repeat(2000);
      for (let i = 0; i < 300; i++) recordEvent(root, "start", { id: "f".repeat(64), name, image: "busybox" });
    `;
    const procs = [1, 2, 3, 4].map((n) =>
      new Deno.Command(Deno.execPath(), { args: ["eval", writer, String(n)], stdout: "null" })
        .spawn()
    );
    for (const p of procs) assertEquals((await p.status).code, 0);
    const lines = Deno.readTextFileSync(`${root.dir}/events/events.log`).trimEnd().split("\n");
    assertEquals(lines.length, 1200);
    const perWriter = new Map<string, number>();
    for (const l of lines) {
      const name = JSON.parse(l).Actor.Attributes.name as string;
      perWriter.set(name.slice(0, 2), (perWriter.get(name.slice(0, 2)) ?? 0) + 1);
    }
    assertEquals([...perWriter.values()], [300, 300, 300, 300]);
  });
});

Deno.test("events: without --until it follows, printing new events as they are written", async () => {
  await withRoot(async (root) => {
    const [program, ...args] = root.argv(
      "events",
      "--filter",
      "event=create",
      "--format",
      "{{.Actor.Attributes.name}}",
    );
    const follower = new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).spawn();
    try {
      // Until it has read the log's end, a create counts as past: create until one is followed.
      const reader = follower.stdout.getReader();
      const next = reader.read();
      let line: string | undefined;
      for (let n = 1; n <= 20 && line === undefined; n++) {
        assertEquals(
          (await root.run("create", "--name", `followed${n}`, "busybox", "true")).code,
          0,
        );
        const got = await Promise.race([next, new Promise((r) => setTimeout(r, 500, undefined))]);
        if (got) {
          line = new TextDecoder().decode((got as ReadableStreamReadResult<Uint8Array>).value);
        }
      }
      assertMatch(line ?? "", /^followed\d+\n$/);
      reader.releaseLock();
    } finally {
      follower.kill("SIGINT");
      const status = await follower.status;
      assertEquals(status.code, 0);
      await follower.stdout.cancel();
      await follower.stderr.cancel();
    }
  });
});

Deno.test("events: the log rotates past 4 MiB, and every event is still read, in order", async () => {
  await withRoot(async (root) => {
    const writer = `
      import { recordEvent } from ${
      JSON.stringify(new URL("../../src/events/events.ts", import.meta.url).href)
    };
      import { StateRoot } from ${
      JSON.stringify(new URL("../../src/store/paths.ts", import.meta.url).href)
    };
      const root = new StateRoot(${JSON.stringify(root.dir)});
      for (let i = 0; i < 16000; i++) {
        recordEvent(root, "start", { id: "e".repeat(64), name: "n" + i, image: "busybox" });
      }
    `;
    const out = await new Deno.Command(Deno.execPath(), { args: ["eval", writer] }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const old = Deno.statSync(`${root.dir}/events/events.log.1`);
    assert(old.size >= 4 * 1024 * 1024, `rotated at ${old.size}`);
    const shown = await root.run(
      "events",
      "--since",
      "0",
      "--until",
      String(Date.now() / 1000 + 1),
      "--format",
      "{{.Actor.Attributes.name}}",
    );
    assertEquals(shown.code, 0, shown.stderr);
    const names = shown.stdout.trimEnd().split("\n");
    // The oldest ones went with the file rotated before the last (one old file is kept).
    const first = Number(names[0].slice(1));
    assertEquals(names, Array.from({ length: 16000 - first }, (_, i) => `n${first + i}`));
    assert(names.length > 10000, `${names.length} events kept`);
  });
});

Deno.test("events: exec_create/exec_start/exec_die, as Docker 20.10 reported `exec C sh -c 'exit 4'` and `exec C nosuch`", async () => {
  await withRoot(async (root) => {
    const since = String(Date.now() / 1000);
    assertEquals((await root.run("run", "-d", "--name", "ex", "busybox", "sleep", "100")).code, 0);
    assertEquals((await root.run("exec", "ex", "sh", "-c", "exit 4")).code, 4);
    assertEquals((await root.run("exec", "ex", "nosuch")).code, 126);
    const out = await root.run(
      "events",
      "--since",
      since,
      "--until",
      String(Date.now() / 1000 + 1),
      "--format",
      "{{.Action}}|{{.Actor.Attributes.execID}}|{{.Actor.Attributes.exitCode}}",
    );
    const lines = out.stdout.trimEnd().split("\n").filter((l) => l.startsWith("exec"));
    const [c1, s1, d1, c2, s2] = lines.map((l) => l.split("|"));
    assertEquals(lines.length, 5, out.stdout);
    assertEquals([c1[0], s1[0], d1[0], d1[2]], [
      "exec_create: sh -c exit 4",
      "exec_start: sh -c exit 4",
      "exec_die",
      "4",
    ]);
    // One ID per exec; a command that never started has no exec_die.
    assertMatch(c1[1], /^[0-9a-f]{64}$/);
    assertEquals([s1[1], d1[1]], [c1[1], c1[1]]);
    assertEquals([c2[0], s2[0]], ["exec_create: nosuch ", "exec_start: nosuch "]);
    assert(c2[1] !== c1[1]);
  });
});

Deno.test("events: commit, as Docker 20.10 reported `commit -m hi C NAME` and `commit C`", async () => {
  await withRoot(async (root) => {
    const since = String(Date.now() / 1000);
    assertEquals((await root.run("create", "--name", "ev", "busybox", "true")).code, 0);
    const named = (await root.run("commit", "-m", "hi", "ev", "ev-img")).stdout.trim();
    const anon = (await root.run("commit", "ev")).stdout.trim();
    const out = await root.run(
      "events",
      ...["--since", since, "--until", String(Date.now() / 1000 + 1)],
      ...["--filter", "event=commit", "--format", "{{.Type}} {{json .Actor.Attributes}}"],
    );
    assertEquals(
      out.stdout,
      `container {"comment":"hi","image":"busybox","imageID":"${named}","imageRef":"ev-img:latest","name":"ev"}\n` +
        `container {"comment":"","image":"busybox","imageID":"${anon}","imageRef":"","name":"ev"}\n`,
    );
  });
});

Deno.test("commit of a running container pauses it meanwhile (pause, commit, unpause), unless --pause=false", async () => {
  await withRoot(async (root) => {
    const since = String(Date.now() / 1000);
    assertEquals((await root.run("run", "-d", "--name", "live", "busybox", "sleep", "60")).code, 0);
    assertEquals((await root.run("commit", "live")).code, 0);
    assertEquals((await root.run("commit", "-p=false", "live")).code, 0);
    assertEquals((await root.run("commit", "--pause=false", "live")).code, 0);
    const actions = (await root.run(
      "events",
      ...["--since", since, "--until", String(Date.now() / 1000 + 1)],
      ...["--filter", "container=live", "--format", "{{.Action}}"],
    )).stdout.trim().split("\n");
    // Docker 20.10: create, start, pause, commit, unpause for the first.
    assertEquals(actions, ["create", "start", "pause", "commit", "unpause", "commit", "commit"]);
    const state = JSON.parse((await root.run("inspect", "live")).stdout)[0].State;
    assertEquals([state.Status, state.Paused], ["running", false]);
  });
});
