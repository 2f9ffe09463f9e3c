/**
 * The runtime's front door: `run` in the foreground (exit status, then
 * gone), `list`, `features`, `--version`, and what it refuses
 * (`--systemd-cgroup`, time namespaces, unknown flags) in one line.
 *
 * @module
 */

import { assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { defaultSpec, withBundle } from "./_bundle.ts";

Deno.test("runtime: run waits for the container, returns its status and removes it; list shows others", async () => {
  await withBundle(defaultSpec("run", ["sh", "-c", "exit 7"]), async (t) => {
    const r = await t.runc("run", "--bundle", t.bundle, "run");
    assertEquals(r.code, 7);
    assertEquals([...Deno.readDirSync(t.root)], []);

    t.writeSpec(defaultSpec("listed", ["sleep", "100"]));
    const pid = await t.create("listed");
    const list = await t.runc("list", "--format", "json");
    const states = JSON.parse(list.stdout);
    assertEquals(states.map((s: { id: string }) => s.id), ["listed"]);
    assertEquals([states[0].pid, states[0].status], [pid, "created"]);
    const table = await t.runc("list");
    assertMatch(table.stdout, new RegExp(`^listed\\s+${pid}\\s+created\\s`, "m"));
    assertEquals((await t.runc("list", "-q")).stdout, "listed\n");
  });
});

Deno.test("runtime: features, --version, and refusals in one line with exit status 1", async () => {
  await withBundle(defaultSpec("cli", ["true"]), async (t) => {
    const features = JSON.parse((await t.runc("features")).stdout);
    assertEquals(features.ociVersionMax, "1.1.0");
    assertEquals(features.linux.cgroup.systemd, false);
    const version = await t.runc("--version");
    assertMatch(version.stdout, /^dockergsh-runc version \S+\nspec: 1\.1\.0\n/);

    const systemd = await t.runc("--systemd-cgroup", "state", "cli");
    assertEquals(systemd.code, 1);
    assertStringIncludes(systemd.stderr, "--systemd-cgroup is not supported");
    assertEquals(systemd.stderr.trim().split("\n").length, 1);

    const flag = await t.runc("create", "--bogus", "cli");
    assertEquals(flag.code, 1);
    assertStringIncludes(t.lastError(), "unknown flag: --bogus");

    const spec = defaultSpec("cli", ["true"]);
    spec.linux!.namespaces!.push({ type: "time" });
    t.writeSpec(spec);
    assertEquals((await t.runc("create", "--bundle", t.bundle, "cli")).code, 1);
    assertStringIncludes(t.lastError(), "time namespaces are not supported");

    // A root another user could write holds nothing to trust (hooks in state.json run as root).
    Deno.mkdirSync(t.root, { recursive: true });
    Deno.chmodSync(t.root, 0o777);
    const open = await t.runc("list");
    assertEquals(open.code, 1);
    assertStringIncludes(open.stderr, "lets group or others write it");
    assertEquals(open.stderr.trim().split("\n").length, 1);
    Deno.chmodSync(t.root, 0o700);
    assertEquals((await t.runc("list")).code, 0);

    const text = await t.runc("--log-format", "text", "state", "gone");
    assertEquals(text.code, 1);
    const last = Deno.readTextFileSync(`${t.dir}/log.json`).trim().split("\n").pop()!;
    assertMatch(last, /^time="[^"]+Z" level=error msg="container \\"gone\\" does not exist"$/);
  });
});
