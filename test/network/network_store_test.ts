import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { hostIpv4Routes } from "../../src/network/host_network.ts";
import { cidrOverlaps, parseCidr } from "../../src/network/cidr.ts";
import { ipamPath } from "../../src/network/ipam.ts";
import { ensureDefaultNetwork, NetworkStore } from "../../src/network/network_store.ts";
import { attachContainerNetwork, removeNetwork } from "../../src/container/container_network.ts";
import { link, rulesTagged, run, runningRecord, Sandbox, saveRecord, tempRoot } from "./_net.ts";

Deno.test("create: record, bridge; names unique and valid; subnets never shared", () => {
  const root = tempRoot();
  const store = new NetworkStore(root);
  try {
    const net = store.create({
      name: "st-one",
      subnet: "10.213.20.0/24",
      gateway: "10.213.20.254",
    });
    assert(/^[0-9a-f]{64}$/.test(net.id));
    assertEquals(net.gateway, "10.213.20.254");
    assertEquals(JSON.parse(Deno.readTextFileSync(`${root.networks}/st-one.json`)), net);
    assert(link(net.bridge));
    assertEquals(store.resolve(net.id.slice(0, 6)), net);
    assertEquals(store.list().map((n) => n.name), ["st-one"]);

    assertThrows(
      () => store.create({ name: "st-one", subnet: "10.213.21.0/24" }),
      /network with name st-one already exists/,
    );
    assertThrows(
      () => store.create({ name: "st-two", subnet: "10.213.20.128/25" }),
      /overlaps with network st-one/,
    );
    assertThrows(() => store.create({ name: "bridge" }), /network with name bridge already exists/);
    assertThrows(() => store.create({ name: "host" }), /predefined host network/);
    assertThrows(() => store.create({ name: "-x" }), /invalid network name/);
    assertThrows(() => store.create({ name: "a/b" }), /invalid network name/);
    assertThrows(
      () => store.create({ name: "st-d", driver: "macvlan" }),
      /plugin "macvlan" not found/,
    );
    assertThrows(() => store.create({ name: "st-g", gateway: "10.213.22.1" }), /needs a subnet/);
    assertThrows(
      () => store.create({ name: "st-g", subnet: "10.213.22.0/24", gateway: "10.213.23.1" }),
      /gateway/,
    );
    assertThrows(
      () => store.create({ name: "st-g", subnet: "10.213.22.1/24" }),
      /did you mean 10\.213\.22\.0\/24/,
    );
    assertThrows(() => store.create({ name: "st-g", subnet: "10.0.0.0/7" }), /too large/);
    assertThrows(() => store.resolve("st-nope"), /network st-nope not found/);
    // None of the refused ones left a record or a pool.
    assertEquals(store.list().map((n) => n.name), ["st-one"]);
    assertEquals([...Deno.readDirSync(root.networks)].map((e) => e.name), ["st-one.json"]);

    removeNetwork(root, "st-one");
    assertEquals(store.list(), []);
    assertEquals(link(net.bridge), undefined);
    assertEquals(rulesTagged(net.bridge), []);
    assertThrows(() => removeNetwork(root, "st-one"), /not found/);
  } finally {
    for (const n of store.list()) removeNetwork(root, n.name);
    Deno.removeSync(root.root, { recursive: true });
  }
});

Deno.test("a subnet overlapping a host route is refused", () => {
  const root = tempRoot();
  const dummy = `dgshtest${crypto.randomUUID().slice(0, 6)}`;
  try {
    // A bridge only to hold a route (this kernel has no dummy driver).
    assertEquals(run("ip", ["link", "add", dummy, "type", "bridge"]).code, 0);
    assertEquals(run("ip", ["addr", "add", "10.213.25.1/24", "dev", dummy]).code, 0);
    assertEquals(run("ip", ["link", "set", dummy, "up"]).code, 0);
    assertThrows(
      () => new NetworkStore(root).create({ name: "st-route", subnet: "10.213.25.128/25" }),
      new RegExp(`overlaps with host route 10\\.213\\.25\\.0/24 dev ${dummy}`),
    );
    assertEquals(new NetworkStore(root).list(), []);
  } finally {
    run("ip", ["link", "del", dummy]);
    Deno.removeSync(root.root, { recursive: true });
  }
});

Deno.test("the default network is made on first use, on a /24 of 172.30.0.0/15 free of host routes", () => {
  const root = tempRoot();
  const store = new NetworkStore(root);
  try {
    const routes = hostIpv4Routes().map((r) => r.dst);
    const net = ensureDefaultNetwork(root);
    assertEquals(net.name, "bridge");
    const subnet = parseCidr(net.subnet);
    assertEquals(subnet.prefix, 24);
    assert(cidrOverlaps(parseCidr("172.30.0.0/15"), subnet));
    assert(
      !routes.some((r) => cidrOverlaps(r, subnet)),
      `${net.subnet} collides with a host route`,
    );
    assertEquals(ensureDefaultNetwork(root), net);

    // A user network without --subnet takes the next free /24.
    const other = store.create({ name: "st-auto" });
    assert(!cidrOverlaps(parseCidr(other.subnet), subnet));

    // After the bridge vanishes (a reboot), first use makes it again.
    run("ip", ["link", "del", net.bridge]);
    assertEquals(store.ready("bridge"), net);
    assert(link(net.bridge));
    assertEquals(rulesTagged(net.bridge).length, 7);
  } finally {
    for (const n of store.list()) removeNetwork(root, n.name);
    Deno.removeSync(root.root, { recursive: true });
  }
});

Deno.test("remove is refused while a running container is attached; the pool goes with the network", async () => {
  const root = tempRoot();
  const store = new NetworkStore(root);
  const box = await Sandbox.start();
  try {
    const net = store.create({ name: "st-busy", subnet: "10.213.26.0/24" });
    const rec = runningRecord(root, { name: "c1", pid: box.pid, networkMode: "st-busy" });
    rec.endpoint = await attachContainerNetwork(root, rec, box.pid);
    saveRecord(root, rec);
    assertThrows(() => removeNetwork(root, "st-busy"), /has active endpoints \(c1\)/);
    await box.stop();
    removeNetwork(root, "st-busy");
    assertEquals(link(net.bridge), undefined);
    assertThrows(() => Deno.statSync(ipamPath(root, "st-busy")), /No such file/);
  } finally {
    await box.stop();
    for (const n of store.list()) removeNetwork(root, n.name);
    Deno.removeSync(root.root, { recursive: true });
  }
});

Deno.test("a host without iproute2 gets one clear line", async () => {
  const root = tempRoot();
  try {
    const script = `
      import { NetworkStore } from "${
      new URL("../../src/network/network_store.ts", import.meta.url).href
    }";
      import { StateRoot } from "${new URL("../../src/store/paths.ts", import.meta.url).href}";
      try {
        new NetworkStore(new StateRoot(${JSON.stringify(root.root)})).create({ name: "st-noip" });
      } catch (err) {
        console.log(err.name + ": " + err.message);
      }`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      env: { PATH: "/nonexistent" },
    }).output();
    assertEquals(
      new TextDecoder().decode(out.stdout).trim(),
      "UserError: dockergsh: networking needs the 'ip' program (iproute2)",
    );
  } finally {
    Deno.removeSync(root.root, { recursive: true });
  }
});
