/**
 * A failed `network create` (and the default network made by `run`, and a
 * container's attach) removes what it made: each step is made to fail for
 * real, through the tools the dockergsh process finds on its PATH, and the
 * host is then read (`ip -j`, `iptables-save`) for anything left.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { exists } from "../_fs.ts";
import { dockergsh, withRoot } from "../_harness.ts";
import { cidrContains, parseCidr, parseIpv4 } from "../../src/network/cidr.ts";
import { hostVethName } from "../../src/network/bridge_driver.ts";
import { ipamPath } from "../../src/network/ipam.ts";
import { StateRoot } from "../../src/store/paths.ts";
import { FailingTools, realPath } from "./_failing_tools.ts";
import { run } from "./_net.ts";

/** Addresses (`a.b.c.d`) the host holds inside `subnet`, with their device. */
function hostAddressesIn(subnet: string): string[] {
  const cidr = parseCidr(subnet);
  const links = JSON.parse(run("ip", ["-j", "addr"]).stdout) as {
    ifname: string;
    addr_info: { family: string; local: string }[];
  }[];
  return links.flatMap((l) =>
    l.addr_info.filter((a) => a.family === "inet" && cidrContains(cidr, parseIpv4(a.local)!))
      .map((a) => `${a.local} on ${l.ifname}`)
  );
}

/** Names of the host's network devices (`ip -j link`). */
function hostLinks(): string[] {
  return (JSON.parse(run("ip", ["-j", "link"]).stdout) as { ifname: string }[])
    .map((l) => l.ifname);
}

/** Lines of `iptables-save` carrying the tag `dockergsh:<tag>`. */
function savedRulesTagged(tag: string): string[] {
  return run("iptables-save", []).stdout.split("\n").filter((l) =>
    l.includes(`"dockergsh:${tag}"`) || l.includes(`dockergsh:${tag} `)
  );
}

/**
 * The isolation chains and the FORWARD jump into them (`iptables -S`):
 * empty when no dockergsh network exists, and then what a failed creation
 * that made them must leave. (A network of another test or root keeps
 * them; the comparison then checks they were left as they were.)
 */
function isolationRules(): string[] {
  return run("iptables", ["-w", "-t", "filter", "-S"]).stdout.split("\n")
    .filter((l) => l.includes("DOCKERGSH-ISOLATION") || l.includes('"dockergsh:isolation"'));
}

/** The bridge a `--debug` run started to make (its `ip -batch`). */
function bridgeOf(debugOutput: string): string {
  const m = /link add (dgsh-[0-9a-f]{8}) type bridge/.exec(debugOutput);
  assert(m, `no bridge creation in:\n${debugOutput}`);
  return m[1];
}

/** The line the user reads: the last line on stderr (the others are --debug's). */
function lastLine(stderr: string): string {
  return stderr.trim().split("\n").at(-1) ?? "";
}

/** Asserts the host and the root hold nothing of network `name` on `subnet` with `bridge`. */
function assertNothingLeft(root: string, name: string, subnet: string, bridge: string): void {
  assertEquals(hostLinks().filter((l) => l === bridge), [], "bridge left");
  assertEquals(hostAddressesIn(subnet), [], "address left");
  assertEquals(savedRulesTagged(bridge), [], "rules left");
  const state = new StateRoot(root);
  for (const path of [`${state.networks}/${name}.json`, ipamPath(state, name)]) {
    assert(!exists(path), `${path} left`);
  }
}

/** `network create` with `tools` as the PATH, which must fail with a line matching `error`. */
async function failedCreate(
  tools: Record<string, string | null>,
  subnet: string,
  error: RegExp,
  between: () => void = () => {},
): Promise<void> {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-undo-" });
  const fake = FailingTools.make(tools);
  const isolation = isolationRules();
  try {
    const r = await dockergsh(root, ["--debug", "network", "create", "--subnet", subnet, "un"], {
      env: fake.env,
    });
    assertEquals(r.code, 125, r.stderr);
    assertMatch(lastLine(r.stderr), error);
    assertNothingLeft(root, "un", subnet, bridgeOf(r.stderr));
    assertEquals(isolationRules(), isolation, "isolation chains or jump changed");
    // Without --debug: exactly one line.
    between();
    const quiet = await dockergsh(root, ["network", "create", "--subnet", subnet, "un"], {
      env: fake.env,
    });
    assertEquals(quiet.code, 125);
    assertEquals(quiet.stderr.trim().split("\n").length, 1, quiet.stderr);
    assertEquals(hostAddressesIn(subnet), [], "address left by the quiet run");
  } finally {
    fake.remove();
    Deno.removeSync(root, { recursive: true });
  }
}

Deno.test("network create without iptables installed removes its bridge", async () => {
  await failedCreate(
    { iptables: null, "iptables-restore": null },
    "10.214.1.0/24",
    /networking needs the 'iptables' program \(iptables\)/,
  );
});

Deno.test("network create whose iptables fails removes its bridge", async () => {
  await failedCreate(
    { iptables: 'echo "iptables: broken for the test" >&2; exit 1' },
    "10.214.2.0/24",
    /iptables .*: iptables: broken for the test/,
  );
});

Deno.test("network create whose iptables-restore fails removes its bridge", async () => {
  await failedCreate(
    { "iptables-restore": 'echo "iptables-restore: broken for the test" >&2; exit 1' },
    "10.214.3.0/24",
    /iptables-restore .*: iptables-restore: broken for the test/,
  );
});

/**
 * An iptables-restore that runs the real one on its `n`th call (counted in
 * the file `count`), with `-j <jump>` at the end of a rule turned into a
 * jump to a chain that does not exist, so nat commits and filter fails;
 * calls before pass through, calls after fail. The rules (the last
 * argument, an in-memory file of the dockergsh process) are edited into a
 * copy beside the script.
 */
function brokenAtCall(n: number, jump: string, count: string): string {
  const restore = realPath("iptables-restore");
  return [
    `n=$(($(/bin/cat ${count} 2>/dev/null || echo 0) + 1)); echo $n > ${count}`,
    `if [ "$n" -gt ${n} ]; then echo "iptables-restore: call $n broken for the test" >&2; exit 1; fi`,
    `if [ "$n" -lt ${n} ]; then exec ${restore} "$@"; fi`,
    `for last; do :; done`,
    `/bin/sed 's/-j ${jump}$/-j DGSH-NO-SUCH-CHAIN/' "$last" > "\${0%/*}/rules.$$"`,
    `exec ${restore} -w --noflush "\${0%/*}/rules.$$"`,
  ].join("\n");
}

Deno.test("network create whose iptables-restore commits nat then fails in filter removes the nat rules without it", async () => {
  const count = Deno.makeTempFileSync({ prefix: "dgsh-undo-count-" });
  try {
    await failedCreate(
      { "iptables-restore": brokenAtCall(1, "DOCKERGSH-ISOLATION-2", count) },
      "10.214.4.0/24",
      /Chain 'DGSH-NO-SUCH-CHAIN' does not exist/,
      () => Deno.writeTextFileSync(count, "0"), // the quiet attempt has its own first call
    );
  } finally {
    Deno.removeSync(count);
  }
});

Deno.test("network create whose address cannot be added (ip -batch fails after link add) removes its bridge", async () => {
  // The real ip, with the batch's address made invalid: the bridge is made,
  // then `addr add` fails. The fake notes that the bridge did exist.
  const ip = realPath("ip");
  const made = Deno.makeTempFileSync({ prefix: "dgsh-undo-made-" });
  try {
    await failedCreate(
      {
        ip: [
          'if [ "$1" != -batch ]; then exec ' + ip + ' "$@"; fi',
          'b="${0%/*}/batch.$$"',
          '/bin/sed "s/^addr add [^ ]*/addr add 10.214.5.300\\/24/" "$2" > "$b"',
          'br=$(/bin/sed -n "s/^link add \\([^ ]*\\) type bridge$/\\1/p" "$b")',
          `${ip} -batch "$b"; rc=$?`,
          `[ -e "/sys/class/net/$br" ] && echo "$br" >> ${made}`,
          "exit $rc",
        ].join("\n"),
      },
      "10.214.5.0/24",
      /any valid prefix is expected rather than "10\.214\.5\.300\/24"/,
    );
    // Both runs (with and without --debug) had made their bridge before undoing it.
    assertEquals(Deno.readTextFileSync(made).trim().split("\n").length, 2);
  } finally {
    Deno.removeSync(made);
  }
});

Deno.test("a subnet or gateway clash is refused before anything is made", async () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-undo-" });
  const holder = `dgshtest${crypto.randomUUID().slice(0, 6)}`;
  try {
    // The host holds 10.214.6.9 on a device of its own (a /32: no subnet route).
    assertEquals(run("ip", ["link", "add", holder, "type", "bridge"]).code, 0);
    assertEquals(run("ip", ["addr", "add", "10.214.6.9/32", "dev", holder]).code, 0);
    const before = hostLinks();
    const r = await dockergsh(root, [
      "network",
      "create",
      "--subnet",
      "10.214.6.0/24",
      "--gateway",
      "10.214.6.9",
      "clash",
    ]);
    assertEquals(r.code, 125);
    assertMatch(
      r.stderr.trim(),
      /^dockergsh: .*subnet 10\.214\.6\.0\/24 overlaps with host route 10\.214\.6\.9\/32 dev dgshtest/,
    );
    assertEquals(hostLinks(), before);
    assertEquals(hostAddressesIn("10.214.6.0/24"), [`10.214.6.9 on ${holder}`]);
    assert(!exists(`${root}/networks/clash.json`));
    assert(!exists(`${root}/networks/ipam/clash.json`));
  } finally {
    run("ip", ["link", "del", holder]);
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("run -p whose second iptables-restore fails (the ports) leaves no veth, rule or address; the default network it made stays whole", async () => {
  await withRoot(async (root) => {
    const count = `${root.dir}/restore-calls`;
    // Call 1 (the network's rules) works; call 2 (the ports) commits nat and
    // fails in filter; any later call fails.
    const fake = FailingTools.make({ "iptables-restore": brokenAtCall(2, "ACCEPT", count) });
    try {
      const r = await root.runWith(
        { env: fake.env },
        "--debug",
        "run",
        "--net",
        "bridge",
        "-p",
        "18214:80",
        "busybox",
        "true",
      );
      assertEquals(r.code, 125, r.stderr);
      assertMatch(lastLine(r.stderr), /Chain 'DGSH-NO-SUCH-CHAIN' does not exist/);
      const id = /\[debug [^\]]*\] .*\/containers\/([0-9a-f]{64})/.exec(r.stderr)?.[1] ??
        /cgroup ready: .*\/([0-9a-f]{64})/.exec(r.stderr)?.[1];
      assert(id, "container id not in the debug output");
      assertEquals(hostLinks().filter((l) => l === hostVethName(id)), [], "veth left");
      assertEquals(savedRulesTagged(id.slice(0, 12)), [], "port rules left");
      assertEquals(root.store().ids(), [], "container record left");
      // The default network was made by the first call and stays, complete, with no address handed out.
      const state = new StateRoot(root.dir);
      const net = JSON.parse(Deno.readTextFileSync(`${state.networks}/bridge.json`));
      assertEquals(savedRulesTagged(net.bridge).length, 7);
      const pool = JSON.parse(Deno.readTextFileSync(ipamPath(state, "bridge")));
      assertEquals(pool.bitmap, "", "an address is still allocated");
      assertEquals(hostAddressesIn(net.subnet), [`${net.gateway} on ${net.bridge}`]);
    } finally {
      fake.remove();
    }
  });
});

/** Files dockergsh may have left in /tmp (it keeps none there). */
function tmpLeftovers(): string[] {
  return [...Deno.readDirSync("/tmp")].map((e) => e.name).filter((n) => n.startsWith("dockergsh"));
}

Deno.test("a network create killed (SIGKILL) after making its bridge leaves it to the next create, which removes it", async () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-undo-" });
  const ip = realPath("ip");
  // The real ip; after the bridge's batch, the dockergsh that ran it is killed.
  const fake = FailingTools.make({
    ip:
      `if [ "$1" = -batch ]; then ${ip} "$@"; rc=$?; kill -KILL $PPID; exit $rc; fi\nexec ${ip} "$@"`,
  });
  const subnet = "10.216.2.0/24";
  let orphan = "";
  let made = "";
  try {
    const tmpBefore = tmpLeftovers();
    const killed = await dockergsh(
      root,
      ["--debug", "network", "create", "--subnet", subnet, "k"],
      {
        env: fake.env,
      },
    );
    assertEquals(killed.code, 137, killed.stderr);
    orphan = bridgeOf(killed.stderr);
    // What the killed process left: its bridge with the gateway address, no record, no /tmp file.
    assertEquals(hostAddressesIn(subnet), [`10.216.2.1 on ${orphan}`]);
    assert(!exists(`${root}/networks/k.json`));
    assertEquals(tmpLeftovers(), tmpBefore);
    assert(exists(`/run/dockergsh/creating/${orphan}.json`), "no intent recorded");

    const again = await dockergsh(root, ["network", "create", "--subnet", subnet, "k"]);
    assertEquals(again.code, 0, again.stderr);
    made = JSON.parse(Deno.readTextFileSync(`${root}/networks/k.json`)).bridge;
    assertEquals(hostLinks().filter((l) => l === orphan), [], "the orphaned bridge stays");
    assertEquals(savedRulesTagged(orphan), []);
    assertEquals(hostAddressesIn(subnet), [`10.216.2.1 on ${made}`]);
    assert(!exists(`/run/dockergsh/creating/${orphan}.json`), "intent left");
    assert(!exists(`/run/dockergsh/creating/${made}.json`), "intent of a made network left");
    const rm = await dockergsh(root, ["network", "rm", "k"]);
    assertEquals(rm.code, 0, rm.stderr);
    assertNothingLeft(root, "k", subnet, made);
  } finally {
    fake.remove();
    for (const br of [orphan, made]) if (br) run("ip", ["link", "del", br]);
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("the sweep leaves a bridge whose creator still runs, and removes it once the creator is gone", async () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-undo-" });
  const bridge = `dgsh-${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const intent = `/run/dockergsh/creating/${bridge}.json`;
  // A live "creator": a process of ours, with its start time as a creator records it.
  const creator = new Deno.Command("sleep", { args: ["60"], stdin: "null" }).spawn();
  try {
    assertEquals(run("ip", ["link", "add", bridge, "type", "bridge"]).code, 0);
    assertEquals(run("ip", ["addr", "add", "10.216.3.1/24", "dev", bridge]).code, 0);
    Deno.mkdirSync("/run/dockergsh/creating", { recursive: true, mode: 0o700 });
    const net = {
      id: "0".repeat(64),
      name: "inflight",
      driver: "bridge",
      subnet: "10.216.3.0/24",
      gateway: "10.216.3.1",
      bridge,
      created: new Date().toISOString(),
    };
    const startTime = Number(
      Deno.readTextFileSync(`/proc/${creator.pid}/stat`).split(") ")[1].split(" ")[19],
    );
    Deno.writeTextFileSync(
      intent,
      JSON.stringify({
        net,
        record: `${root}/networks/inflight.json`,
        pid: creator.pid,
        startTime,
      }),
    );
    const other = await dockergsh(root, [
      "network",
      "create",
      "--subnet",
      "10.216.4.0/24",
      "other",
    ]);
    assertEquals(other.code, 0, other.stderr);
    assertEquals(
      hostAddressesIn("10.216.3.0/24"),
      [`10.216.3.1 on ${bridge}`],
      "a live creator's bridge went",
    );
    assert(exists(intent));

    creator.kill("SIGKILL");
    await creator.status;
    const rm = await dockergsh(root, ["network", "rm", "other"]);
    assertEquals(rm.code, 0, rm.stderr);
    assertEquals(hostLinks().filter((l) => l === bridge), [], "a dead creator's bridge stays");
    assert(!exists(intent), "intent left");
  } finally {
    try {
      creator.kill("SIGKILL");
      await creator.status;
    } catch { /* already gone */ }
    run("ip", ["link", "del", bridge]);
    try {
      Deno.removeSync(intent);
    } catch { /* swept */ }
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("run whose default network cannot be made (iptables-restore fails) leaves no bridge, address, rule, record or pool", async () => {
  await withRoot(async (root) => {
    const fake = FailingTools.make({
      "iptables-restore": 'echo "iptables-restore: broken for the test" >&2; exit 1',
    });
    const isolation = isolationRules();
    try {
      const r = await root.runWith(
        { env: fake.env },
        "--debug",
        "run",
        "--net",
        "bridge",
        "busybox",
        "true",
      );
      assertEquals(r.code, 125, r.stderr);
      assertMatch(lastLine(r.stderr), /iptables-restore .*: iptables-restore: broken for the test/);
      // The default network's subnet: the first free /24 of 172.30.0.0/15.
      const gateway = /addr add (172\.3[01]\.\d+)\.1\/24 /.exec(r.stderr);
      assert(gateway, "no gateway address in the debug output");
      assertNothingLeft(root.dir, "bridge", `${gateway[1]}.0/24`, bridgeOf(r.stderr));
      assertEquals(isolationRules(), isolation, "isolation chains or jump changed");
      assertEquals(root.store().ids(), [], "container record left");
    } finally {
      fake.remove();
    }
  });
});

/** Writes zeros to `path` until its filesystem is full. */
function fill(path: string): void {
  const file = Deno.openSync(path, { write: true, create: true });
  const chunk = new Uint8Array(64 * 1024);
  try {
    while (true) file.writeSync(chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOSPC") throw err;
  } finally {
    file.close();
  }
}

Deno.test("network create whose record cannot be written (a full disk) removes its bridge, rules, isolation chains and jump", async () => {
  // The kernel side is made in full (iptables-restore commits every rule,
  // the isolation jump too), then the record's write fails: the network is
  // undone. A 1 MB tmpfs as the root, filled up.
  const root = Deno.makeTempDirSync({ prefix: "dgsh-full-undo-" });
  assertEquals(run("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", root]).code, 0);
  const subnet = "10.217.1.0/24";
  const isolation = isolationRules();
  try {
    Deno.mkdirSync(`${root}/networks`);
    fill(`${root}/fill`);
    const r = await dockergsh(root, ["--debug", "network", "create", "--subnet", subnet, "un"]);
    assertEquals(r.code, 125, r.stderr);
    assertMatch(lastLine(r.stderr), new RegExp(`no space left on device under ${root}: `));
    assertNothingLeft(root, "un", subnet, bridgeOf(r.stderr));
    if (isolation.length === 0) {
      // No other dockergsh network: this one made the chains and the jump, and its undo removed them.
      assertMatch(r.stderr, /iptables -w -t filter -N DOCKERGSH-ISOLATION-1/);
      assertMatch(
        r.stderr,
        /iptables-restore rules: .*-I FORWARD 1 -m comment --comment dockergsh:isolation -j DOCKERGSH-ISOLATION-1 /,
      );
    }
    assertEquals(isolationRules(), isolation, "isolation chains or jump changed");
  } finally {
    run("umount", [root]);
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("network create whose iptables-restore fails, and whose iptables then fails in the undo, still removes its bridge and address", async () => {
  // The case: the undo's own iptables calls fail too.
  const iptables = realPath("iptables");
  const fake = FailingTools.make({
    "iptables-restore": [
      ': > "${0%/*}/restore-failed"',
      'echo "iptables-restore: broken for the test" >&2; exit 1',
    ].join("\n"),
    iptables: [
      'if [ -e "${0%/*}/restore-failed" ]; then',
      '  echo "$*" >> "${0%/*}/failed-calls"; echo "iptables: broken for the test" >&2; exit 1',
      "fi",
      `exec ${iptables} "$@"`,
    ].join("\n"),
  });
  const root = Deno.makeTempDirSync({ prefix: "dgsh-undo-" });
  const subnet = "10.217.2.0/24";
  const isolation = isolationRules();
  try {
    const r = await dockergsh(root, ["--debug", "network", "create", "--subnet", subnet, "un"], {
      env: fake.env,
    });
    assertEquals(r.code, 125, r.stderr);
    assertMatch(lastLine(r.stderr), /iptables-restore .*: iptables-restore: broken for the test/);
    // The undo ran iptables, which failed every time, and went on to the bridge.
    const failed = Deno.readTextFileSync(`${fake.dir}/failed-calls`).trim().split("\n");
    assert(failed.length > 0);
    assertNothingLeft(root, "un", subnet, bridgeOf(r.stderr));
    if (isolation.length === 0) {
      // Left: the two empty chains this run made, which only iptables removes.
      assertEquals(isolationRules().sort(), [
        "-N DOCKERGSH-ISOLATION-1",
        "-N DOCKERGSH-ISOLATION-2",
      ]);
    }
  } finally {
    fake.remove();
    Deno.removeSync(root, { recursive: true });
    // What only iptables could remove: the empty chains this run made.
    if (isolation.length === 0) {
      for (const chain of ["DOCKERGSH-ISOLATION-1", "DOCKERGSH-ISOLATION-2"]) {
        run("iptables", ["-w", "-t", "filter", "-X", chain]);
      }
    }
  }
});
