/**
 * history of committed images: one row per step, newest first, each with
 * the ID of the image it made while the parent chain is known, the size of
 * its own layer, Docker's truncation, --no-trunc and -q.
 */

import { assertEquals, assertMatch } from "../_assert.ts";
import { type TestRoot, withRoot } from "../_harness.ts";

async function idOf(root: TestRoot, ref: string): Promise<string> {
  const r = await root.run("inspect", "--type", "image", "-f", "{{.Id}}", ref);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout.trim();
}

Deno.test("history: committed images over an import, sizes, truncation, --no-trunc, -q", async () => {
  await withRoot(async (root) => {
    const long = "echo 12345 > /one.txt; echo this command is longer than forty-five characters";
    assertEquals((await root.run("run", "--name", "c1", "busybox", "sh", "-c", long)).code, 0);
    assertEquals((await root.run("commit", "-m", "first step", "c1", "step:1")).code, 0);
    assertEquals((await root.run("run", "--name", "c2", "step:1", "true")).code, 0);
    assertEquals((await root.run("commit", "c2", "step:2")).code, 0);
    const [busybox, one, two] = await Promise.all(
      ["busybox", "step:1", "step:2"].map((ref) => idOf(root, ref)),
    );

    const h = await root.run("history", "step:2");
    assertEquals(h.code, 0, h.stderr);
    const lines = h.stdout.trimEnd().split("\n");
    assertEquals(lines[0].split(/\s{2,}/), ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]);
    const cells = lines.slice(1).map((l) => l.split(/\s{2,}/));
    // The no-change commit: its step made no layer (0B), the image below it is step:1.
    assertEquals(cells.map((c) => c[0]), [two, one, busybox].map((id) => id.slice(7, 19)));
    assertEquals(cells[0].slice(2, 4), ["true", "0B"]);
    const cut = `sh -c ${long}`.slice(0, 44) + "…";
    assertEquals(cells[1].slice(2), [cut, "6B", "first step"]);
    assertEquals(cells[2][2], "1.98MB");
    assertEquals(cells[2][3], "Imported from -");
    assertMatch(cells[2][1], /ago$/);

    const full = await root.run("history", "--no-trunc", "step:2");
    const fullCells = full.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(/\s{2,}/));
    assertEquals(fullCells.map((c) => c[0]), [two, one, busybox]);
    assertEquals(fullCells[1][2], `sh -c ${long}`);
    const q = await root.run("history", "-q", "step:2");
    assertEquals(q.stdout, [two, one, busybox].map((id) => `${id.slice(7, 19)}\n`).join(""));
    // inspect names the image a commit was made from.
    const parent = await root.run("image", "inspect", "-f", "{{.Parent}}", "step:2");
    assertEquals(parent.stdout, `${one}\n`);
    // A layer count that matches: step:2 has no layer of its own.
    const layers = await root.run("inspect", "-f", "{{len .RootFS.Layers}}", "step:2");
    assertEquals(layers.stdout, "2\n");

    // Docker 20.10's -H=false: "CREATED AT" with RFC 3339 times, sizes in bytes.
    const raw = await root.run("history", "-H=false", "busybox");
    const [head, row] = raw.stdout.trimEnd().split("\n");
    assertEquals(head.split(/\s{3,}/), ["IMAGE", "CREATED AT", "CREATED BY", "SIZE", "COMMENT"]);
    const size = JSON.parse((await root.run("image", "inspect", "busybox")).stdout)[0].Size;
    assertEquals(
      row.split(/\s{3,}/).slice(1, 2)[0].match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) !== null,
      true,
    );
    assertEquals(row.includes(`   ${size}   `), true, row);
    const missing = await root.run("history", "nope:1");
    assertEquals([missing.code, missing.stderr], [
      1,
      "Error response from daemon: No such image: nope:1\n",
    ]);
  });
});
