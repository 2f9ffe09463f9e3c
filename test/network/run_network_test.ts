/**
 * Networking through the real CLI: `network create|ls|inspect|rm`,
 * `run --net/-p/--ip`, on the real kernel. Each test makes its own
 * networks on 10.213.120-131.0/24 and 10.213.210-211.0/24 and reads what
 * the kernel did (addresses and routes inside the containers, links and
 * iptables rules on the host).
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { TEST_CGROUP_PARENT, type TestRoot, withRoot } from "../_harness.ts";
import { exists } from "../_fs.ts";
import { V1_CONTROLLERS } from "../../src/cgroup/v1.ts";
import { hostVethName } from "../../src/network/bridge_driver.ts";
import { BitmapIpam } from "../../src/network/ipam.ts";
import {
  hostsMembersPath,
  type NetworkRecord,
  NetworkStore,
} from "../../src/network/network_store.ts";
import { StateRoot } from "../../src/store/paths.ts";
import { fetchText, link, rulesTagged, run, waitFor } from "./_net.ts";

/** `network create --subnet 10.213.<x>.0/24 name`; the record it made. */
async function makeNetwork(root: TestRoot, name: string, x: number): Promise<NetworkRecord> {
  const r = await root.run("network", "create", "--subnet", `10.213.${x}.0/24`, name);
  assertEquals(r.code, 0, r.stderr);
  return new NetworkStore(new StateRoot(root.dir)).get(name)!;
}

/** `run -d …args`; the new container's full ID. */
async function runDetached(root: TestRoot, ...args: string[]): Promise<string> {
  const r = await root.run("run", "-d", ...args);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** `exec container …cmd`, which must succeed; its stdout. */
async function execIn(root: TestRoot, container: string, ...cmd: string[]): Promise<string> {
  const r = await root.run("exec", container, ...cmd);
  assertEquals(r.code, 0, `exec ${container} ${cmd.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The IPv4 address of eth0 inside the container, as the kernel reports it (`a.b.c.d/n`). */
async function eth0Address(root: TestRoot, container: string): Promise<string> {
  const out = await execIn(root, container, "ip", "-o", "-4", "addr", "show", "dev", "eth0");
  return /inet (\S+)/.exec(out)![1];
}

/** The address part of `a.b.c.d/n`. */
function bare(cidr: string): string {
  return cidr.split("/")[0];
}

/** One ICMP echo from inside `container` to `target`; true when answered. */
async function ping(root: TestRoot, container: string, target: string): Promise<boolean> {
  const r = await root.run("exec", container, "ping", "-c", "1", "-W", "2", target);
  return r.code === 0 && r.stdout.includes("1 packets received");
}

/** A TCP port nobody on the host listens on now. */
function freePort(): number {
  const l = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Names of the devices enslaved to `bridge` (the host ends of its containers' veths). */
function bridgePorts(bridge: string): string[] {
  const r = run("ip", ["-j", "link", "show", "master", bridge]);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

/** iptables rules (nat and filter) that mention `text`. */
function rulesMentioning(text: string): string[] {
  return ["nat", "filter"].flatMap((t) =>
    run("iptables", ["-w", "-t", t, "-S"]).stdout.split("\n").filter((l) => l.includes(text))
  );
}

/** The short ID a container's port rules are tagged with. */
function tag(id: string): string {
  return id.slice(0, 12);
}

/** Asserts the host holds nothing more of container `id`: no veth, no port rule. */
function assertContainerGone(id: string): void {
  assertEquals(link(hostVethName(id)), undefined, `veth of ${tag(id)} left`);
  assertEquals(rulesTagged(tag(id)), [], `rules of ${tag(id)} left`);
}

/** Asserts the host holds nothing more of network `net`: no bridge, no rule, no address. */
function assertNetworkGone(net: NetworkRecord): void {
  assertEquals(link(net.bridge), undefined, `bridge ${net.bridge} left`);
  assertEquals(rulesTagged(net.bridge), [], `rules of ${net.bridge} left`);
  assertEquals(rulesMentioning(bare(net.subnet).replace(/0$/, "")), [], `rules on ${net.subnet}`);
  const addrs = run("ip", ["-o", "-4", "addr"]).stdout;
  assert(!addrs.includes(` ${net.gateway}/`), `address ${net.gateway} left on the host`);
}

/**
 * withRoot, then checks that the networks the test made and the containers
 * it ran left no link or rule behind once the root is cleaned up.
 */
async function withNetRoot(fn: (root: TestRoot) => Promise<void>): Promise<void> {
  const nets = new Map<string, NetworkRecord>();
  const ids = new Set<string>();
  await withRoot(async (root) => {
    const state = new StateRoot(root.dir);
    try {
      await fn(root);
    } finally {
      for (const n of new NetworkStore(state).list()) nets.set(n.name, n);
      for (const c of root.store().list()) ids.add(c.id);
    }
  });
  for (const id of ids) assertContainerGone(id);
  for (const net of nets.values()) assertNetworkGone(net);
}

Deno.test("run --net: peers reach each other by IP and by name, and the gateway", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "talk", 120);
    await runDetached(root, "--net", "talk", "--name", "first", "busybox", "sleep", "60");
    await runDetached(root, "--net", "talk", "--name", "second", "busybox", "sleep", "60");

    // The kernel's view inside: eth0 in the subnet, default route via the gateway.
    const firstIp = await eth0Address(root, "first");
    const secondIp = await eth0Address(root, "second");
    assertMatch(firstIp, /^10\.213\.120\.\d+\/24$/);
    assertMatch(secondIp, /^10\.213\.120\.\d+\/24$/);
    assert(firstIp !== secondIp, `both got ${firstIp}`);
    assertMatch(
      await execIn(root, "first", "ip", "route", "show", "default"),
      new RegExp(`^default via ${net.gateway.replaceAll(".", "\\.")} dev eth0`),
    );
    const links = (await execIn(root, "first", "ip", "-o", "link")).trim().split("\n");
    assertEquals(links.map((l) => l.split(":")[1].trim().split("@")[0]), ["lo", "eth0"]);

    // /etc/hosts: the second saw the first at its start, the first got the second added.
    const hostsLine = (ip: string, name: string) =>
      new RegExp(`^${bare(ip).replaceAll(".", "\\.")}\\s.*\\b${name}\\b`, "m");
    assertMatch(await execIn(root, "second", "cat", "/etc/hosts"), hostsLine(firstIp, "first"));
    assertMatch(await execIn(root, "first", "cat", "/etc/hosts"), hostsLine(secondIp, "second"));

    for (const [from, to, toIp] of [["first", "second", secondIp], ["second", "first", firstIp]]) {
      assert(await ping(root, from, bare(toIp)), `${from} -> ${to} by IP`);
      assert(await ping(root, from, to), `${from} -> ${to} by name`);
    }
    assert(await ping(root, "first", net.gateway), "first -> gateway");

    // A container that leaves is dropped from its peers' files; its address
    // goes to the next one, which they then know by its own name.
    assertEquals((await root.run("rm", "-f", "second")).code, 0);
    const left = await execIn(root, "first", "cat", "/etc/hosts");
    assert(!/\bsecond\b/.test(left), left);
    await runDetached(root, "--net", "talk", "--name", "third", "busybox", "sleep", "60");
    assertEquals(await eth0Address(root, "third"), secondIp);
    assertMatch(await execIn(root, "first", "cat", "/etc/hosts"), hostsLine(secondIp, "third"));
    assert(!/\bsecond\b/.test(await execIn(root, "first", "cat", "/etc/hosts")));
    assert(await ping(root, "first", "third"), "first -> third by name");
  });
});

Deno.test("run on the default bridge: as Docker's, /etc/hosts lists only itself; peers by IP only", async () => {
  await withNetRoot(async (root) => {
    // What an earlier version kept for the default bridge goes at its next start.
    const members = hostsMembersPath(new StateRoot(root.dir), "bridge");
    Deno.mkdirSync(members.slice(0, members.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(members, "{}");
    await runDetached(root, "--net", "bridge", "--name", "lone1", "busybox", "sleep", "60");
    await runDetached(root, "--net", "bridge", "--name", "lone2", "busybox", "sleep", "60");
    const [ip1, ip2] = [
      bare(await eth0Address(root, "lone1")),
      bare(await eth0Address(root, "lone2")),
    ];
    for (const [self, ip, other] of [["lone1", ip1, "lone2"], ["lone2", ip2, "lone1"]]) {
      const hosts = await execIn(root, self, "cat", "/etc/hosts");
      assertMatch(hosts, new RegExp(`^${ip.replaceAll(".", "\\.")}\\s.*\\b${self}\\b`, "m"));
      assert(!new RegExp(`\\b${other}\\b`).test(hosts), hosts);
    }
    assert(await ping(root, "lone1", ip2), "lone1 -> lone2 by IP");
    assert(!(await ping(root, "lone1", "lone2")), "lone1 resolved lone2 by name");
    let made = true;
    try {
      Deno.lstatSync(members);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      made = false;
    }
    assert(!made, `${members} was made`);
  });
});

Deno.test("run: a start on a network whose rule was flushed puts it back (its rules listed beside the init)", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "flushed", 131);
    const rules = rulesTagged(net.bridge);
    const masq = rules.find((r) => r.includes("MASQUERADE"))!;
    run("iptables", [
      "-w",
      "-t",
      "nat",
      ...masq.replace("-A ", "-D ").replaceAll('"', "").split(" "),
    ]);
    assertEquals(rulesTagged(net.bridge).length, rules.length - 1);
    const r = await root.run("run", "--rm", "--net", "flushed", "busybox", "true");
    assertEquals(r.code, 0, r.stderr);
    assertEquals(rulesTagged(net.bridge).sort(), rules.sort());
  });
});

Deno.test("run --net none has only lo; --net host shares the host's namespace", async () => {
  await withNetRoot(async (root) => {
    const none = await root.run("run", "--net", "none", "busybox", "ip", "-o", "link");
    assertEquals(none.code, 0, none.stderr);
    const links = none.stdout.trim().split("\n");
    assertEquals(links.length, 1, none.stdout);
    assertMatch(links[0], /^1: lo: <LOOPBACK,UP/);

    const id = await runDetached(root, "--net", "host", "busybox", "sleep", "60");
    const rec = root.store().get(id);
    assertEquals(
      Deno.readLinkSync(`/proc/${rec.state.pid}/ns/net`),
      Deno.readLinkSync("/proc/self/ns/net"),
    );
    assertEquals(rec.endpoint, undefined);
    // As Docker: the host's name and the host's /etc/hosts.
    assertEquals(await execIn(root, id, "hostname"), `${Deno.hostname()}\n`);
    assertEquals(await execIn(root, id, "cat", "/etc/hosts"), Deno.readTextFileSync("/etc/hosts"));
  });
});

Deno.test("run -p: the port answers on 127.0.0.1 and the gateway until rm -f", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "web", 121);
    const port = freePort();
    const id = await runDetached(
      root,
      ...["--net", "web", "--name", "httpd", "-p", `${port}:80`, "busybox"],
      ...[
        "sh",
        "-c",
        "mkdir /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www",
      ],
    );
    const body = `hello-${tag(id)}\n`;
    assertEquals(await waitFor(`http://127.0.0.1:${port}/`), body);
    assertEquals(await fetchText(`http://${net.gateway}:${port}/`), body);

    // From a peer on the same network, through the host's published port.
    await runDetached(root, "--net", "web", "--name", "peer", "busybox", "sleep", "60");
    const viaPeer = await execIn(
      root,
      "peer",
      "sh",
      "-c",
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${net.gateway} ${port}`,
    );
    assert(viaPeer.endsWith(body), viaPeer);
    // And from the container itself, through its own published port.
    const viaSelf = await execIn(
      root,
      "httpd",
      "sh",
      "-c",
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${net.gateway} ${port}`,
    );
    assert(viaSelf.endsWith(body), viaSelf);

    const ps = await root.run("ps");
    const row = ps.stdout.split("\n").find((l) => l.startsWith(tag(id)))!;
    assertStringIncludes(row, `0.0.0.0:${port}->80/tcp`);
    assert(rulesTagged(tag(id)).length > 0, "port rules in place");

    const rm = await root.run("rm", "-f", "httpd");
    assertEquals(rm.code, 0, rm.stderr);
    assertEquals(run("sh", ["-c", `iptables-save | grep 'dockergsh:${tag(id)}'`]).stdout, "");
    assertContainerGone(id);
    assertEquals(await fetchText(`http://127.0.0.1:${port}/`), undefined);
    assertEquals(await fetchText(`http://${net.gateway}:${port}/`), undefined);
  });
});

Deno.test("run -p IP:HOSTPORT:CONTAINERPORT answers on that address only", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "local", 122);
    const port = freePort();
    await runDetached(
      root,
      ...["--net", "local", "-p", `127.0.0.1:${port}:8000`, "busybox"],
      ...[
        "sh",
        "-c",
        "mkdir /www && echo local > /www/index.html && exec httpd -f -p 8000 -h /www",
      ],
    );
    assertEquals(await waitFor(`http://127.0.0.1:${port}/`), "local\n");
    assertEquals(await fetchText(`http://${net.gateway}:${port}/`), undefined);
    const ps = await root.run("ps");
    assertStringIncludes(ps.stdout, `127.0.0.1:${port}->8000/tcp`);
  });
});

Deno.test("run --ip: the address asked for; a taken one is refused and leaves nothing", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "fixed", 123);
    const id = await runDetached(
      root,
      ...["--net", "fixed", "--ip", "10.213.123.50", "busybox", "sleep", "60"],
    );
    assertEquals(await eth0Address(root, id), "10.213.123.50/24");
    assertEquals(root.store().get(id).endpoint?.ipAddress, "10.213.123.50");

    const ports = bridgePorts(net.bridge);
    // The refusal comes while the init joins the cgroup made for it, which goes with it.
    const parent = `${TEST_CGROUP_PARENT}/ip-taken`;
    const cgroups = V1_CONTROLLERS.map((c) => `/sys/fs/cgroup/${c}${parent}`);
    const taken = await root.run(
      "run",
      ...["-d", "--cgroup-parent", parent, "--net", "fixed", "--ip", "10.213.123.50"],
      ...["busybox", "sleep", "60"],
    );
    const made = cgroups.filter((dir) => exists(dir));
    const left = made.flatMap((dir) =>
      [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => `${dir}/${e.name}`)
    );
    for (const dir of [...left, ...made]) Deno.removeSync(dir);
    assert(made.length > 0, `the refused run made none of ${cgroups.join(", ")}`);
    assertEquals(left, []);
    assertEquals(taken.code, 125);
    assertEquals(taken.stdout, "");
    assertEquals(taken.stderr.trim().split("\n").length, 1, taken.stderr);
    assertMatch(taken.stderr, /10\.213\.123\.50/);
    assertMatch(taken.stderr, /already in use/);
    assertEquals(root.store().list().map((c) => c.id), [id]);
    assertEquals(bridgePorts(net.bridge), ports);
    assertEquals(new BitmapIpam(new StateRoot(root.dir), net).allocated(), ["10.213.123.50"]);
  });
});

Deno.test("run on a network whose init fails (-u of no such user) reports the init's error every time, and leaves nothing", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "failing", 128);
    // The init's refusal ends both steps before its start (the cgroup write and the network
    // attach, made at once), which must report it once, not fail reading it a second time.
    for (let i = 0; i < 8; i++) {
      const r = await root.run(
        ...["run", "--rm", "--net", "failing", "-u", "nosuchuser", "busybox", "true"],
      );
      assertEquals([r.code, r.stdout, r.stderr.trim()], [
        125,
        "",
        "dockergsh: Error response from daemon: unable to find user nosuchuser: " +
        "no matching entries in passwd file",
      ]);
    }
    assertEquals(bridgePorts(net.bridge), []);
    assertEquals(new BitmapIpam(new StateRoot(root.dir), net).allocated(), []);
    assertEquals(root.store().list(), []);
  });
});

Deno.test("run: 30 parallel run -d get 30 distinct addresses, all released by rm -f", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "crowd", 124);
    const runs = await Promise.all(
      Array.from(
        { length: 30 },
        () => root.run("run", "-d", "--net", "crowd", "busybox", "sleep", "60"),
      ),
    );
    for (const r of runs) assertEquals(r.code, 0, r.stderr);
    const ids = runs.map((r) => r.stdout.trim());

    // What the kernel holds inside each container's namespace, not only the records.
    const ips = ids.map((id) => {
      const pid = root.store().get(id).state.pid;
      const out = run("nsenter", [
        `--net=/proc/${pid}/ns/net`,
        "ip",
        "-o",
        "-4",
        "addr",
        "show",
        "dev",
        "eth0",
      ]);
      assertEquals(out.code, 0, out.stderr);
      return /inet (\S+)/.exec(out.stdout)![1];
    });
    assertEquals(new Set(ips).size, 30, ips.join(" "));
    for (const ip of ips) assertMatch(ip, /^10\.213\.124\.\d+\/24$/);
    assertEquals(bridgePorts(net.bridge).sort(), ids.map(hostVethName).sort());
    const ipam = new BitmapIpam(new StateRoot(root.dir), net);
    assertEquals(ipam.allocated().sort(), ips.map(bare).sort());

    const removed = await Promise.all(ids.map((id) => root.run("rm", "-f", id)));
    for (const r of removed) assertEquals(r.code, 0, r.stderr);
    assertEquals(ipam.allocated(), []);
    assertEquals(bridgePorts(net.bridge), []);
    for (const id of ids) assertContainerGone(id);
  });
});

Deno.test("network rm: refused while a container runs on it, then removes bridge and rules", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "busy", 125);
    const id = await runDetached(
      root,
      "--net",
      "busy",
      "--name",
      "tenant",
      "busybox",
      "sleep",
      "60",
    );

    const ls = await root.run("network", "ls", "-f", "type=custom");
    assertEquals(ls.code, 0, ls.stderr);
    const [header, ...rows] = ls.stdout.trim().split("\n");
    assertEquals(header.split(/\s{3,}/), ["NETWORK ID", "NAME", "DRIVER", "SCOPE"]);
    assertEquals(rows.map((r) => r.split(/\s{3,}/)), [[
      net.id.slice(0, 12),
      "busy",
      "bridge",
      "local",
    ]]);

    const inspect = await root.run("network", "inspect", "busy");
    assertEquals(inspect.code, 0, inspect.stderr);
    const [obj] = JSON.parse(inspect.stdout);
    assertEquals(obj.Name, "busy");
    assertEquals(obj.Id, net.id);
    assertEquals(obj.Driver, "bridge");
    assertEquals(obj.IPAM.Config, [{ Subnet: "10.213.125.0/24", Gateway: "10.213.125.1" }]);
    const ip = await eth0Address(root, "tenant");
    assertEquals(obj.Containers[id].Name, "tenant");
    assertEquals(obj.Containers[id].IPv4Address, ip);

    const refused = await root.run("network", "rm", "busy");
    assert(refused.code !== 0, "network rm of a network in use must fail");
    assertEquals(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assertMatch(refused.stderr, /active endpoints/);
    assert(link(net.bridge), "bridge kept while in use");
    assert(await ping(root, "tenant", net.gateway), "the network still works");

    assertEquals((await root.run("rm", "-f", "tenant")).code, 0);
    const rm = await root.run("network", "rm", "busy");
    assertEquals(rm.code, 0, rm.stderr);
    assertEquals(rm.stdout.trim(), "busy");
    assertNetworkGone(net);
    assertEquals((await root.run("network", "ls", "-q", "-f", "type=custom")).stdout, "");
  });
});

Deno.test("run/network create: bad inputs are one line, exit 125, nothing left", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "strict", 126);
    const holder = await runDetached(
      root,
      ...["--net", "strict", "--ip", "10.213.126.9", "-p", `${freePort()}:80`, "busybox"],
      ...["sleep", "60"],
    );
    const rulesBefore = rulesMentioning("10.213.126.");
    const portsBefore = bridgePorts(net.bridge);
    const heldPort = root.store().get(holder).config.ports[0].hostPort;

    const hostListener = Deno.listen({ hostname: "0.0.0.0", port: 0 });
    const hostPort = (hostListener.addr as Deno.NetAddr).port;
    const bad: [string[], RegExp][] = [
      [["run", "--net", "nosuch", "busybox", "true"], /network nosuch not found/],
      [["run", "--net", "strict", "-p", "99999:80", "busybox", "true"], /invalid hostPort: 99999/],
      [["run", "--net", "strict", "--ip", "10.213.99.5", "busybox", "true"], /not in subnet/],
      [["run", "--net", "strict", "--ip", "10.213.126.9", "busybox", "true"], /already in use/],
      [["run", "--net", "strict", "-p", `${heldPort}:80`, "busybox", "true"], /already allocated/],
      [["run", "--net", "strict", "--ip", "10.213.126.1", "busybox", "true"], /reserved/],
      [["run", "--net", "strict", "-p", `${hostPort}:80`, "busybox", "true"], /already allocated/],
      [["run", "--net", "bridge", "--ip", "10.213.126.7", "busybox", "true"], /user defined/],
      [["run", "--net", "strict", "--ip", "10.213.126", "busybox", "true"], /invalid IPv4/],
      [["run", "--net", "strict", "-p", "80", "busybox", "true"], /host port is required/],
      [
        ["network", "create", "--subnet", "10.213.126.128/25", "clash"],
        /overlaps with network strict/,
      ],
      [["network", "create", "--subnet", "10.213.126.0/24", "strict"], /already exists/],
    ];
    try {
      for (const [args, why] of bad) {
        const r = await root.run(...args);
        const what = args.join(" ");
        assertEquals(r.code, 125, `${what}: ${r.stderr}`);
        assertEquals(r.stdout, "", what);
        assertEquals(r.stderr.trim().split("\n").length, 1, `${what}: ${r.stderr}`);
        assertMatch(r.stderr, why);
        assertEquals(root.store().list().map((c) => c.id), [holder], `${what}: records`);
        assertEquals(bridgePorts(net.bridge), portsBefore, `${what}: veths`);
        assertEquals(rulesMentioning("10.213.126."), rulesBefore, `${what}: rules`);
      }
    } finally {
      hostListener.close();
    }
    assertEquals(
      new NetworkStore(new StateRoot(root.dir)).list().map((n) => n.name),
      ["strict"],
    );
    assertEquals(new BitmapIpam(new StateRoot(root.dir), net).allocated(), ["10.213.126.9"]);
  });
});

Deno.test("run: containers started together all see each other in /etc/hosts", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "party", 127);
    const names = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    // Foreground runs: separate processes racing through their starts (the
    // monitor starts `run -d` containers one at a time). Each waits until its
    // hosts file lists all eight, then stays a while for the others.
    const script = [
      "for i in $(seq 100); do",
      `  [ "$(grep -c '^10\\.213\\.127\\.' /etc/hosts)" = ${names.length} ] && break`,
      "  sleep 0.2",
      "done",
      "cat /etc/hosts",
      "sleep 3",
    ].join("\n");
    const runs = await Promise.all(
      names.map((n) =>
        root.run("run", "--rm", "--net", "party", "--name", n, "busybox", "sh", "-c", script)
      ),
    );
    runs.forEach((r, i) => {
      assertEquals(r.code, 0, r.stderr);
      for (const other of names) {
        const line = new RegExp(`^10\\.213\\.127\\.\\d+\\s.*\\b${other}\\b`, "m");
        assertMatch(r.stdout, line, `${names[i]}'s /etc/hosts lacks ${other}:\n${r.stdout}`);
      }
    });
    // --rm: each exit released its address and left the others' hosts files.
    assertEquals(root.store().list(), []);
    assertEquals(new BitmapIpam(new StateRoot(root.dir), net).allocated(), []);
    const state = new StateRoot(root.dir);
    assertEquals(JSON.parse(Deno.readTextFileSync(hostsMembersPath(state, "party"))), {});
  });
});

Deno.test("run -d: 20 started together get distinct addresses, and each /etc/hosts lists all 20", async () => {
  await withNetRoot(async (root) => {
    const net = await makeNetwork(root, "burst", 210);
    const runs = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          root.run("run", "-d", "--net", "burst", "--name", `b${i}`, "busybox", "sleep", "60"),
      ),
    );
    for (const r of runs) assertEquals(r.code, 0, r.stderr);
    const ids = runs.map((r) => r.stdout.trim());
    const ips = ids.map((id) => root.store().get(id).endpoint!.ipAddress);
    assertEquals(new Set(ips).size, 20, ips.join(" "));
    assertEquals(bridgePorts(net.bridge).sort(), ids.map(hostVethName).sort());
    // The file as the container sees it (its mount namespace), not the engine's copy.
    ids.forEach((id, i) => {
      const pid = root.store().get(id).state.pid;
      const hosts = Deno.readTextFileSync(`/proc/${pid}/root/etc/hosts`);
      ids.forEach((peer, j) => {
        // Its own line (hostname first) and each peer's: address, name and short ID.
        const ip = ips[j].replaceAll(".", "\\.");
        const line = new RegExp(`^${ip}\\s(?=.*\\bb${j}\\b)(?=.*${tag(peer)})`, "m");
        assertMatch(hosts, line, `b${i}'s /etc/hosts lacks b${j}:\n${hosts}`);
      });
      assertEquals(hosts.split("\n").filter((l) => l.startsWith("10.213.210.")).length, 20, hosts);
    });
    const removed = await root.run("rm", "-f", ...ids);
    assertEquals(removed.code, 0, removed.stderr);
    const state = new StateRoot(root.dir);
    assertEquals(JSON.parse(Deno.readTextFileSync(hostsMembersPath(state, "burst"))), {});
  });
});

Deno.test("run: a torn hosts membership file (it is not fsynced) counts as no members", async () => {
  await withNetRoot(async (root) => {
    await makeNetwork(root, "torn", 211);
    const state = new StateRoot(root.dir);
    const path = hostsMembersPath(state, "torn");
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, '{"0123');
    const id = await runDetached(root, "--net", "torn", "--name", "t0", "busybox", "sleep", "60");
    const rec = root.store().get(id);
    const members = JSON.parse(Deno.readTextFileSync(path));
    assertEquals(Object.keys(members), [id]);
    assertEquals(members[id].ip, rec.endpoint!.ipAddress);
    const hosts = Deno.readTextFileSync(`/proc/${rec.state.pid}/root/etc/hosts`);
    assertMatch(
      hosts,
      new RegExp(`^${rec.endpoint!.ipAddress.replaceAll(".", "\\.")}\\s.*\\bt0\\b`, "m"),
    );
    const removed = await root.run("rm", "-f", id);
    assertEquals(removed.code, 0, removed.stderr);
  });
});
