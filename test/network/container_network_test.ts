import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { ContainerStore } from "../../src/container/store.ts";
import { hostVethName } from "../../src/network/bridge_driver.ts";
import {
  attachContainerNetwork,
  checkNetworkRequest,
  detachContainerNetwork,
  removeNetwork,
} from "../../src/container/container_network.ts";
import { BitmapIpam, ipamPath } from "../../src/network/ipam.ts";
import { NetworkStore } from "../../src/network/network_store.ts";
import type { StateRoot } from "../../src/store/paths.ts";
import {
  BUSYBOX,
  ipv4Of,
  link,
  rulesTagged,
  runningRecord,
  Sandbox,
  saveRecord,
  tempRoot,
} from "./_net.ts";

/** A root, a network store, and sandboxes; everything removed afterwards. */
async function withRoot(
  fn: (root: StateRoot, store: NetworkStore, box: () => Promise<Sandbox>) => Promise<void>,
): Promise<void> {
  const root = tempRoot();
  const store = new NetworkStore(root);
  const boxes: Sandbox[] = [];
  try {
    await fn(root, store, async () => {
      const b = await Sandbox.start();
      boxes.push(b);
      return b;
    });
  } finally {
    for (const rec of new ContainerStore(root).list()) {
      await detachContainerNetwork(root, rec);
    }
    for (const b of boxes) await b.stop();
    for (const n of store.list()) removeNetwork(root, n.name);
    Deno.removeSync(root.root, { recursive: true });
  }
}

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert(re.test(String(err)), `${err} does not match ${re}`);
    return;
  }
  throw new Error(`expected a rejection matching ${re}`);
}

Deno.test("attach: address (--ip), veth, ports; a peer reaches it; detach removes it all", async () => {
  await withRoot(async (root, store, sandbox) => {
    const net = store.create({ name: "cn-app", subnet: "10.213.30.0/24" });
    const box = await sandbox();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const rec = runningRecord(root, {
      name: "web",
      pid: box.pid,
      networkMode: "cn-app",
      ipRequest: "10.213.30.50",
      ports: [{ hostIp: "127.0.0.1", hostPort: port, containerPort: 80, protocol: "tcp" }],
    });
    const ep = (await attachContainerNetwork(root, rec, box.pid))!;
    assertEquals(ep.network, "cn-app");
    assertEquals(ep.ipAddress, "10.213.30.50");
    assertEquals(ep.gateway, net.gateway);
    assertEquals(ipv4Of(box.inside("ip", ["-j", "addr"]).stdout, "eth0"), ["10.213.30.50/24"]);
    assertEquals(link(hostVethName(rec.id))!.master, net.bridge);
    const portRules = rulesTagged(rec.id.slice(0, 12));
    assertEquals(portRules.length, 4);
    assert(
      portRules.some((r) =>
        r.includes("-d 127.0.0.1/32") && r.includes("--to-destination 10.213.30.50:80")
      ),
    );

    rec.endpoint = ep;
    saveRecord(root, rec);
    const peerBox = await sandbox();
    const peer = runningRecord(root, { name: "db", pid: peerBox.pid, networkMode: "cn-app" });
    peer.endpoint = await attachContainerNetwork(root, peer, peerBox.pid);
    saveRecord(root, peer);
    assertEquals(peer.endpoint!.ipAddress, "10.213.30.2");
    assertEquals(peerBox.inside(BUSYBOX, ["ping", "-c1", "-W1", "10.213.30.50"]).code, 0);

    await detachContainerNetwork(root, rec);
    assertEquals(link(ep.hostVeth), undefined);
    assertEquals(rulesTagged(rec.id.slice(0, 12)), []);
    assertEquals(new BitmapIpam(root, net).allocated(), ["10.213.30.2"]);
    await detachContainerNetwork(root, rec); // idempotent
    await detachContainerNetwork(root, peer);
    assertEquals(new BitmapIpam(root, net).allocated(), []);
  });
});

Deno.test("host and none attach nothing; bridge makes the default network", async () => {
  await withRoot(async (root, store, sandbox) => {
    const box = await sandbox();
    for (const mode of ["host", "none"]) {
      const rec = runningRecord(root, { name: `m-${mode}`, pid: box.pid, networkMode: mode });
      assertEquals(await attachContainerNetwork(root, rec, box.pid), undefined);
      await detachContainerNetwork(root, rec);
      assertEquals(link(hostVethName(rec.id)), undefined);
    }
    assertEquals(store.list(), []);
    const rec = runningRecord(root, { name: "m-bridge", pid: box.pid, networkMode: "bridge" });
    const ep = (await attachContainerNetwork(root, rec, box.pid))!;
    const net = store.get("bridge")!;
    assertEquals(ep.network, "bridge");
    assertEquals(ep.gateway, net.gateway);
    assertEquals(box.inside(BUSYBOX, ["ping", "-c1", "-W1", net.gateway]).code, 0);
    await detachContainerNetwork(root, rec);
  });
});

Deno.test("a failed attach (port taken, unknown network) undoes its veth and address", async () => {
  await withRoot(async (root, store, sandbox) => {
    const net = store.create({ name: "cn-fail", subnet: "10.213.31.0/24" });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ports = [{ hostIp: "", hostPort: port, containerPort: 80, protocol: "tcp" as const }];
    const a = await sandbox();
    const first = runningRecord(root, { name: "first", pid: a.pid, networkMode: "cn-fail", ports });
    first.endpoint = await attachContainerNetwork(root, first, a.pid);
    saveRecord(root, first);

    const b = await sandbox();
    const second = runningRecord(root, {
      name: "second",
      pid: b.pid,
      networkMode: "cn-fail",
      ports,
    });
    await rejects(attachContainerNetwork(root, second, b.pid), /port is already allocated/);
    assertEquals(link(hostVethName(second.id)), undefined);
    assertEquals(rulesTagged(second.id.slice(0, 12)), []);
    assertEquals(new BitmapIpam(root, net).allocated(), [first.endpoint!.ipAddress]);

    const lost = runningRecord(root, { name: "lost", pid: b.pid, networkMode: "cn-nowhere" });
    await rejects(attachContainerNetwork(root, lost, b.pid), /network cn-nowhere not found/);
    await detachContainerNetwork(root, first);
  });
});

Deno.test("a full network reclaims an address no container holds", async () => {
  await withRoot(async (root, store, sandbox) => {
    // A /30 has one address to hand out besides the gateway.
    const net = store.create({ name: "cn-tiny", subnet: "10.213.32.0/30" });
    new BitmapIpam(root, net).allocate(); // leaked: no container record holds it
    const box = await sandbox();
    const rec = runningRecord(root, { name: "late", pid: box.pid, networkMode: "cn-tiny" });
    await rejects(attachContainerNetwork(root, rec, box.pid), /no available IPv4 addresses/);

    // Once the leak is older than the start-up grace period, it is taken back.
    const path = ipamPath(root, "cn-tiny");
    const state = JSON.parse(Deno.readTextFileSync(path));
    state.recent = {};
    Deno.writeTextFileSync(path, JSON.stringify(state));
    const ep = (await attachContainerNetwork(root, rec, box.pid))!;
    assertEquals(ep.ipAddress, "10.213.32.2");
    assertStringIncludes(box.inside("ip", ["-j", "addr"]).stdout, "10.213.32.2");
    await detachContainerNetwork(root, { ...rec, endpoint: ep });
  });
});

Deno.test("checkNetworkRequest: a missing network or an unusable --ip is refused before start", async () => {
  await withRoot((root, store) => {
    store.create({ name: "cn-check", subnet: "10.213.33.0/24" });
    for (const networkMode of ["bridge", "host", "none", "cn-check"]) {
      checkNetworkRequest(root, { networkMode });
    }
    checkNetworkRequest(root, { networkMode: "cn-check", ipRequest: "10.213.33.9" });
    assertThrows(
      () => checkNetworkRequest(root, { networkMode: "nosuch" }),
      /dockergsh: Error response from daemon: network nosuch not found$/,
    );
    assertThrows(
      () => checkNetworkRequest(root, { networkMode: "cn-check", ipRequest: "10.213.34.9" }),
      /not in subnet 10\.213\.33\.0\/24/,
    );
    assertThrows(
      () => checkNetworkRequest(root, { networkMode: "cn-check", ipRequest: "10.213.33.1" }),
      /is reserved/,
    );
    // Nothing was made: no default network, no address held.
    assertEquals(store.list().map((n) => n.name), ["cn-check"]);
    assertEquals(new BitmapIpam(root, store.get("cn-check")!).allocated(), []);
    return Promise.resolve();
  });
});
