import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { command } from "../../src/cli/commands/network.ts";
import { parseFlags } from "../../src/cli/flags.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { removeNetwork } from "../../src/container/container_network.ts";
import { NetworkStore } from "../../src/network/network_store.ts";
import type { StateRoot } from "../../src/store/paths.ts";
import { link, rulesTagged, tempRoot } from "./_net.ts";
import { dockergsh } from "../_harness.ts";
import { toolPath } from "../../src/network/_exec.ts";

/** Runs `dockergsh network …args` in-process; returns its exit code and what it printed. */
async function network(root: StateRoot, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const flags = parseFlags(args, command.flags, { stopAtPositional: true });
    const code = await command.run({
      root,
      kernel: {} as Kernel,
      debug: false,
      insecureRegistries: [],
    }, flags);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("network create, ls, inspect, rm", async () => {
  const root = tempRoot();
  try {
    const created = await network(root, "create", "--subnet", "10.213.40.0/24", "cmd-net");
    assertEquals(created.code, 0);
    assert(/^[0-9a-f]{64}$/.test(created.stdout), created.stdout);
    const id = created.stdout;

    const ls = await network(root, "ls");
    const [header, row] = ls.stdout.split("\n");
    // Docker's columns; the predefined host and none networks sort after it.
    assertEquals(header.split(/\s{3,}/), ["NETWORK ID", "NAME", "DRIVER", "SCOPE"]);
    assertEquals(row.split(/\s{3,}/), [id.slice(0, 12), "cmd-net", "bridge", "local"]);
    assertEquals((await network(root, "ls", "-q", "-f", "type=custom")).stdout, id.slice(0, 12));

    const inspected = await network(root, "inspect", "cmd-net", "nope");
    assertEquals(inspected.code, 1);
    assertEquals(inspected.stderr, "Error: No such network: nope");
    const [obj] = JSON.parse(inspected.stdout);
    assertEquals(obj.Name, "cmd-net");
    assertEquals(obj.Id, id);
    assertEquals(obj.Driver, "bridge");
    assertEquals(obj.IPAM.Config, [{ Subnet: "10.213.40.0/24", Gateway: "10.213.40.1" }]);
    assertEquals(obj.Containers, {});
    assertEquals(
      (await network(root, "inspect", "-f", "{{.Name}} {{.Driver}}", id.slice(0, 5))).stdout,
      "cmd-net bridge",
    );

    const bridge = new NetworkStore(root).get("cmd-net")!.bridge;
    assert(link(bridge));
    const rmBridge = await network(root, "rm", "bridge", "cmd-net");
    assertEquals(rmBridge.code, 1);
    assertEquals(
      rmBridge.stderr,
      "dockergsh: Error response from daemon: bridge is a pre-defined network and cannot be removed",
    );
    assertEquals(rmBridge.stdout, "cmd-net");
    assertEquals(link(bridge), undefined);
    assertEquals((await network(root, "ls", "-q", "-f", "type=custom")).stdout, "");
  } finally {
    for (const n of new NetworkStore(root).list()) removeNetwork(root, n.name);
    Deno.removeSync(root.root, { recursive: true });
  }
});

Deno.test("network: usage errors", async () => {
  const root = tempRoot();
  try {
    await assertRejectsMatch(
      network(root, "create"),
      /"dockergsh network create" requires at least 1 argument/,
    );
    await assertRejectsMatch(network(root, "ls", "x"), /accepts no arguments/);
    await assertRejectsMatch(network(root, "frob"), /^\nUsage: {2}dockergsh network COMMAND\n/);
    await assertRejectsMatch(network(root, "create", "--bogus", "x"), /unknown flag: --bogus/);
    await assertRejectsMatch(
      network(root, "create", "--subnet", "nonsense", "x"),
      /invalid CIDR address: nonsense/,
    );
    assertEquals(
      (await network(root, "rm", "nope")).stderr,
      "dockergsh: Error response from daemon: network nope not found",
    );
    assertThrows(() => new NetworkStore(root).resolve("nope"), /not found/);
    assert((await network(root, "create", "--help")).stdout.includes("--subnet"));
    assertEquals(new NetworkStore(root).list(), []);
  } finally {
    Deno.removeSync(root.root, { recursive: true });
  }
});

async function assertRejectsMatch(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert(re.test((err as Error).message), `${(err as Error).message} does not match ${re}`);
    return;
  }
  throw new Error(`expected a rejection matching ${re}`);
}

Deno.test("network create works with the PATH of Debian's plain `su` (no sbin directory; iptables is in /usr/sbin)", async () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-supath-" });
  const suPath = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games";
  let bridge = "";
  try {
    assert(Deno.statSync("/usr/sbin/iptables").isFile, "the test needs iptables in /usr/sbin");
    const made = await dockergsh(root, ["network", "create", "--subnet", "10.216.5.0/24", "su"], {
      env: { PATH: suPath },
    });
    assertEquals(made.code, 0, made.stderr);
    bridge = JSON.parse(Deno.readTextFileSync(`${root}/networks/su.json`)).bridge;
    assert(link(bridge), `no bridge ${bridge}`);
    assertEquals(rulesTagged(bridge).length, 7);
    const rm = await dockergsh(root, ["network", "rm", "su"], { env: { PATH: suPath } });
    assertEquals(rm.code, 0, rm.stderr);
    assertEquals(link(bridge), undefined);
    assertEquals(rulesTagged(bridge), []);
  } finally {
    if (bridge && link(bridge)) {
      new Deno.Command("ip", { args: ["link", "del", bridge] }).outputSync();
    }
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("toolPath adds the sbin directories an ordinary PATH lacks, and keeps a chosen one", () => {
  assertEquals(toolPath("/usr/bin:/bin"), "/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
  assertEquals(toolPath("/usr/sbin:/usr/bin"), "/usr/sbin:/usr/bin:/usr/local/sbin:/sbin");
  assertEquals(toolPath("/tmp/dgsh-tools-x"), "/tmp/dgsh-tools-x");
});
