/**
 * Reading a container log: whole, or its last lines, from real files of
 * every awkward shape (no final newline, lines across read chunks, lines
 * longer than a chunk, a log far larger than any one read).
 */

import { type LogChunk, readLogs } from "../../src/container/container_logs.ts";
import { createdState } from "../../src/container/record.ts";
import type { ContainerRecord } from "../../src/container/record.ts";
import { StateRoot } from "../../src/store/paths.ts";
import { assert, assertEquals } from "../_assert.ts";
import { eventually, withRoot } from "../_harness.ts";

const ID = "ab".repeat(32);

/** A state root holding one container log with `content`; removed after `fn`. */
async function withLog(content: string, fn: (root: StateRoot) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-logs-" });
  try {
    const root = new StateRoot(dir);
    Deno.mkdirSync(root.container(ID), { recursive: true });
    Deno.writeTextFileSync(`${root.container(ID)}/container.log`, content);
    await fn(root);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function read(root: StateRoot, tail?: number): Promise<{ text: string; sizes: number[] }> {
  const record = { id: ID, state: { ...createdState(), status: "exited" } } as ContainerRecord;
  const parts: LogChunk[] = [];
  for await (const c of readLogs(root, record, { tail, follow: false })) parts.push(c);
  const text = new TextDecoder().decode(
    new Uint8Array(parts.flatMap((p) => [...p.bytes])),
  );
  return { text, sizes: parts.map((p) => p.bytes.length) };
}

Deno.test("logs --tail: the last N lines, whatever the shape of the log", async () => {
  const cases: Array<[string, number, string]> = [
    ["", 2, ""],
    ["a\nb\nc\n", 2, "b\nc\n"],
    ["a\nb\nc", 2, "b\nc"], // the unfinished last line counts
    ["a\nb\nc\n", 0, ""],
    ["a\nb\nc\n", 10, "a\nb\nc\n"],
    ["\n\n\n", 2, "\n\n"],
    ["only", 1, "only"],
  ];
  for (const [content, n, want] of cases) {
    await withLog(content, async (root) => {
      assertEquals((await read(root, n)).text, want, JSON.stringify([content, n]));
      assertEquals((await read(root)).text, content);
    });
  }
});

Deno.test("logs --tail across read chunks and with lines longer than a chunk", async () => {
  const long = "x".repeat(200_000);
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"y".repeat(i % 97)}`);
  const content = `${long}\n${lines.join("\n")}\n${long}\nend\n`;
  await withLog(content, async (root) => {
    assertEquals((await read(root, 1)).text, "end\n");
    assertEquals((await read(root, 2)).text, `${long}\nend\n`);
    const want = [...lines.slice(-3000), long, "end"].join("\n") + "\n";
    assertEquals((await read(root, 3002)).text, want);
    assertEquals((await read(root, 6000)).text, content);
    const all = await read(root);
    assertEquals(all.text, content);
    assert(Math.max(...all.sizes) <= 64 * 1024, "read in pieces, not whole");
  });
});

Deno.test("logs: a foreground run is logged too, each run appended; exec's output is not (as Docker)", async () => {
  await withRoot(async (root) => {
    const fg = await root.run(
      "run",
      "--name",
      "rf-l1",
      "busybox",
      "sh",
      "-c",
      "echo out; echo err >&2; echo out2",
    );
    assertEquals([fg.code, fg.stdout, fg.stderr], [0, "out\nout2\n", "err\n"]);
    // Docker 20.10 printed these three lines (the streams' relative order is not fixed there either).
    const first = await root.run("logs", "rf-l1");
    assertEquals(first.code, 0, first.stderr);
    const all = (first.stdout + first.stderr).split("\n").filter((l) => l !== "");
    assertEquals([...all].sort(), ["err", "out", "out2"]);
    assert(all.indexOf("out") < all.indexOf("out2"), "a stream's own order is kept");
    // A second run (detached now) is appended, as Docker's log of a restarted container.
    assertEquals((await root.run("start", "rf-l1")).code, 0);
    await eventually(() =>
      root.store().get(root.store().resolve("rf-l1").id).state.status === "exited"
    );
    const second = await root.run("logs", "rf-l1");
    assertEquals((second.stdout + second.stderr).split("\n").filter((l) => l !== "").length, 6);

    // A terminal run's output is logged as the terminal showed it (Docker: "tty\r\n").
    const tty = await root.runInTerminal(
      { rows: 24, cols: 80 },
      "run",
      "--name",
      "rf-l2",
      "-t",
      "busybox",
      "echo",
      "tty",
    );
    assertEquals(tty.code, 0, tty.screen);
    assertEquals((await root.run("logs", "rf-l2")).stdout, "tty\r\n");

    const d = await root.run("run", "-d", "--name", "rf-l3", "busybox", "sleep", "30");
    assertEquals(d.code, 0, d.stderr);
    assertEquals((await root.run("exec", "rf-l3", "echo", "fromexec")).stdout, "fromexec\n");
    assertEquals((await root.run("logs", "rf-l3")).stdout, "");
  });
});

Deno.test("logs: the streams kept apart and merged by the index's times; tail, since, until", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-logs-" });
  try {
    const root = new StateRoot(dir);
    const c = root.container(ID);
    Deno.mkdirSync(c, { recursive: true });
    Deno.writeTextFileSync(`${c}/container.log`, "a\nc\nd\n");
    Deno.writeTextFileSync(`${c}/container-stderr.log`, "b\n");
    const t = (s: number) => `2026-12-01T10:00:0${s}.000Z`;
    Deno.writeTextFileSync(
      `${c}/container-log.idx`,
      [
        JSON.stringify({ s: "stdout", o: 2, t: t(1) }),
        JSON.stringify({ s: "stderr", o: 2, t: t(2) }),
        '{"s":"stdout","o":4,"t":"2026', // torn by a crash: its bytes fall to the next stretch
        JSON.stringify({ s: "stdout", o: 4, t: t(3) }),
      ].join("\n") + "\n",
    );
    // "d" is past the index: its time is the file's mtime.
    const mtime = new Date("2026-12-01T10:00:09.000Z");
    Deno.utimeSync(`${c}/container.log`, mtime, mtime);
    const record = { id: ID, state: { ...createdState(), status: "exited" } } as ContainerRecord;
    const read = async (opts: Partial<Parameters<typeof readLogs>[2]> = {}) => {
      const out: string[] = [];
      for await (const ch of readLogs(root, record, { follow: false, ...opts })) {
        out.push(
          `${ch.stream} ${ch.writtenBy.toISOString()} ${new TextDecoder().decode(ch.bytes)}`,
        );
      }
      return out;
    };
    assertEquals(await read(), [
      `stdout ${t(1)} a\n`,
      `stderr ${t(2)} b\n`,
      `stdout ${t(3)} c\n`,
      `stdout 2026-12-01T10:00:09.000Z d\n`,
    ]);
    assertEquals((await read({ tail: 3 })).map((l) => l.at(-2)), ["b", "c", "d"]);
    assertEquals((await read({ since: new Date(t(2)) })).map((l) => l.at(-2)), ["b", "c", "d"]);
    assertEquals((await read({ until: new Date(t(2)) })).map((l) => l.at(-2)), ["a", "b"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("logs: of two stretches noted at one time, the one noted first comes first", async () => {
  await withLog("a\nc\n", async (root) => {
    const c = root.container(ID);
    Deno.writeTextFileSync(`${c}/container-stderr.log`, "b\n");
    // One millisecond for all three; the index says stdout's a, then stderr's b, then c.
    const t = "2026-12-01T10:00:01.000Z";
    Deno.writeTextFileSync(
      `${c}/container-log.idx`,
      [
        JSON.stringify({ s: "stdout", o: 2, t }),
        JSON.stringify({ s: "stderr", o: 2, t }),
        JSON.stringify({ s: "stdout", o: 4, t }),
      ].join("\n") + "\n",
    );
    const record = { id: ID, state: { ...createdState(), status: "exited" } } as ContainerRecord;
    const lines: string[] = [];
    for await (const ch of readLogs(root, record, { follow: false })) {
      lines.push(`${ch.stream} ${new TextDecoder().decode(ch.bytes)}`);
    }
    assertEquals(lines, ["stdout a\n", "stderr b\n", "stdout c\n"]);
  });
});

Deno.test("logs of a foreground run keep the order of its stdout and stderr lines", async () => {
  await withRoot(async (root) => {
    // Docker 20.10, same command: `logs rf-o1 2>&1` printed a, b, c, d (4 runs of 4). Each
    // line comes 40 ms after the last, within one index interval of it: the streams' order
    // is kept only if the index notes each stream's stretch before the other's next one.
    const r = await root.run(
      "run",
      "--name",
      "rf-o1",
      "busybox",
      "sh",
      "-c",
      "echo a; sleep 0.04; echo b >&2; sleep 0.04; echo c; sleep 0.04; echo d >&2",
    );
    assertEquals([r.code, r.stdout, r.stderr], [0, "a\nc\n", "b\nd\n"]);
    const record = root.store().resolve("rf-o1");
    const lines: string[] = [];
    for await (const ch of readLogs(new StateRoot(root.dir), record, { follow: false })) {
      lines.push(`${ch.stream} ${new TextDecoder().decode(ch.bytes)}`);
    }
    assertEquals(lines, ["stdout a\n", "stderr b\n", "stdout c\n", "stderr d\n"]);
  });
});

Deno.test("logs -t of a foreground run: a line written soon after another keeps its own time", async () => {
  await withRoot(async (root) => {
    // b comes 50 ms after a (within one index interval), then nothing for 1.5 s: b's time
    // must be its own, not c's (the index notes it when c comes, with the time b was seen).
    const r = await root.run(
      "run",
      "--name",
      "rf-t1",
      "busybox",
      "sh",
      "-c",
      "echo a; sleep 0.05; echo b; sleep 1.5; echo c",
    );
    assertEquals([r.code, r.stdout], [0, "a\nb\nc\n"], r.stderr);
    const stamped = await root.run("logs", "-t", "rf-t1");
    const ms = (line: string) => {
      const t = new RegExp(`^(\\S+) ${line}$`, "m").exec(stamped.stdout)![1];
      return Date.parse(t.replace(/(\.\d{3})\d{6}Z$/, "$1Z"));
    };
    const [ta, tb, tc] = [ms("a"), ms("b"), ms("c")];
    assert(tb - ta < 700 && tc - tb >= 1000, `a ${ta}, b ${tb}, c ${tc}\n${stamped.stdout}`);
  });
});

Deno.test("logs of a detached run: stderr to stderr, -t times, --since/--until as Docker", async () => {
  await withRoot(async (root) => {
    // Docker 20.10, same command: `logs` printed a, c on stdout and b on stderr; `--since` the
    // time of b gave b and c, `--until` it gave a and b; `--since xyz` failed with exit 1.
    const r = await root.run(
      "run",
      "-d",
      "--name",
      "rf-s1",
      "busybox",
      "sh",
      "-c",
      "echo a; sleep 1; echo b >&2; sleep 1; echo c",
    );
    assertEquals(r.code, 0, r.stderr);
    await eventually(() => root.store().resolve("rf-s1").state.status === "exited", 10_000);
    const all = await root.run("logs", "rf-s1");
    assertEquals([all.stdout, all.stderr], ["a\nc\n", "b\n"]);
    const stamped = await root.run("logs", "-t", "rf-s1");
    const time = (text: string, line: string) => new RegExp(`^(\\S+) ${line}$`, "m").exec(text)![1];
    const [ta, tb, tc] = [
      time(stamped.stdout, "a"),
      time(stamped.stderr, "b"),
      time(stamped.stdout, "c"),
    ];
    // Each line's time is when it was seen written (at most 0.4 s late after a quiet spell):
    // the 1 s sleeps lie between them.
    const ms = (s: string) => Date.parse(s.replace(/(\.\d{3})\d{6}Z$/, "$1Z"));
    assert(ms(tb) - ms(ta) >= 500 && ms(tc) - ms(tb) >= 500, `${ta} ${tb} ${tc}`);
    const since = await root.run("logs", "--since", tb, "rf-s1");
    assertEquals([since.stdout, since.stderr], ["c\n", "b\n"]);
    const until = await root.run("logs", "--until", tb, "rf-s1");
    assertEquals([until.stdout, until.stderr], ["a\n", "b\n"]);
    const merged = await root.run("logs", "--tail", "2", "rf-s1");
    assertEquals([merged.stdout, merged.stderr], ["c\n", "b\n"]);
    const bad = await root.run("logs", "--since", "xyz", "rf-s1");
    assertEquals(
      [bad.code, bad.stderr.trim()],
      [1, 'invalid value for "since": failed to parse value as time or duration: "xyz"'],
    );
    const epoch = await root.run("logs", "--until", "1", "rf-s1");
    assertEquals([epoch.code, epoch.stdout, epoch.stderr], [0, "", ""]);
  });
});
