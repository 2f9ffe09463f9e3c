import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { removeNetwork } from "../../src/container/container_network.ts";
import { BridgeDriver, hostVethName } from "../../src/network/bridge_driver.ts";
import { type NetworkRecord, NetworkStore } from "../../src/network/network_store.ts";
import { newId } from "../../src/store/ids.ts";
import type { StateRoot } from "../../src/store/paths.ts";
import { BUSYBOX, ipv4Of, link, rulesTagged, run, Sandbox, tempRoot, waitFor } from "./_net.ts";

/** Runs `fn` with a state root and the network `name` on `subnet`, all removed afterwards. */
async function withNetwork(
  name: string,
  subnet: string,
  fn: (root: StateRoot, store: NetworkStore, net: NetworkRecord) => Promise<void> | void,
): Promise<void> {
  const root = tempRoot();
  const store = new NetworkStore(root);
  try {
    const net = store.create({ name, subnet });
    try {
      await fn(root, store, net);
    } finally {
      removeNetwork(root, name);
    }
    assertEquals(link(net.bridge), undefined, "bridge removed");
    assertEquals(rulesTagged(net.bridge), [], "network rules removed");
  } finally {
    Deno.removeSync(root.root, { recursive: true });
  }
}

Deno.test("a network is a bridge with the gateway address, NAT, forwarding and isolation rules", async () => {
  await withNetwork("drv-create", "10.213.10.0/24", (_root, store, net) => {
    assertEquals(net.bridge, `dgsh-${net.id.slice(0, 8)}`);
    assertEquals(net.gateway, "10.213.10.1");
    const br = link(net.bridge)!;
    assert((br.flags as string[]).includes("UP"));
    assertEquals(ipv4Of(run("ip", ["-j", "addr", "show", "dev", net.bridge]).stdout, net.bridge), [
      "10.213.10.1/24",
    ]);
    assertEquals(Deno.readTextFileSync("/proc/sys/net/ipv4/ip_forward").trim(), "1");
    const rules = rulesTagged(net.bridge);
    assert(rules.some((r) => r.includes("-s 10.213.10.0/24") && r.includes("MASQUERADE")));
    assert(rules.some((r) => r.startsWith("-A DOCKERGSH-ISOLATION-2") && r.endsWith("DROP")));
    assertEquals(rules.length, 7);
    assertEquals(rulesTagged("isolation").length, 1);

    // A flushed rule is noticed and put back.
    assert(store.driver.isComplete(net));
    const before = run("iptables-save", []).stdout;
    const masq = rules.find((r) => r.includes("MASQUERADE") && r.includes("10.213.10.0"))!;
    run("iptables", [
      "-w",
      "-t",
      "nat",
      ...masq.replace("-A ", "-D ").replaceAll('"', "").split(" "),
    ]);
    assert(!store.driver.isComplete(net));
    // A listing taken before (a start's, beside its init) is judged as given.
    assert(store.driver.isComplete(net, before));
    assert(!store.driver.isComplete(net, run("iptables-save", []).stdout));
    store.driver.ensureNetwork(net);
    assertEquals(rulesTagged(net.bridge).length, 7);
  });
});

Deno.test("a failed network creation leaves no bridge and no rule", () => {
  const root = tempRoot();
  try {
    const id = newId();
    const net: NetworkRecord = {
      id,
      name: "drv-broken",
      driver: "bridge",
      subnet: "10.213.11.0/24",
      gateway: "not-an-address",
      bridge: `dgsh-${id.slice(0, 8)}`,
      created: new Date().toISOString(),
    };
    assertThrows(() => new BridgeDriver(root).createNetwork(net), /addr add not-an-address\/24/);
    assertEquals(link(net.bridge), undefined);
    assertEquals(rulesTagged(net.bridge), []);
  } finally {
    Deno.removeSync(root.root, { recursive: true });
  }
});

Deno.test("connect: eth0 with the address and MAC, default route, the gateway answers; disconnect removes the pair", async () => {
  await withNetwork("drv-connect", "10.213.12.0/24", async (_root, store, net) => {
    const box = await Sandbox.start();
    const id = newId();
    try {
      const ep = store.driver.connect(net, id, box.pid, "10.213.12.7");
      assertEquals(ep.hostVeth, hostVethName(id));
      assert(ep.hostVeth.length <= 15);
      assertEquals(link(ep.hostVeth)!.master, net.bridge);

      const addr = box.inside("ip", ["-j", "addr"]);
      assertEquals(ipv4Of(addr.stdout, "eth0"), ["10.213.12.7/24"]);
      assertEquals(ipv4Of(addr.stdout, "lo"), ["127.0.0.1/8"]);
      const eth0 = JSON.parse(box.inside("ip", ["-j", "link", "show", "dev", "eth0"]).stdout)[0];
      assertEquals(eth0.address, ep.macAddress);
      assertEquals(ep.macAddress, "02:42:0a:d5:0c:07");
      const routes = JSON.parse(box.inside("ip", ["-j", "route"]).stdout);
      assert(
        routes.some((r: { dst: string; gateway?: string }) =>
          r.dst === "default" && r.gateway === "10.213.12.1"
        ),
      );
      const ping = box.inside(BUSYBOX, ["ping", "-c1", "-W1", net.gateway]);
      assertEquals(ping.code, 0, ping.stdout + ping.stderr);

      store.driver.disconnect(ep, net);
      assertEquals(link(ep.hostVeth), undefined);
      assertEquals(box.inside("ip", ["-j", "link", "show", "dev", "eth0"]).code, 1);
      store.driver.disconnect(ep, net); // twice: harmless
    } finally {
      await box.stop();
    }
  });
});

Deno.test("a failed connect leaves no veth behind", async () => {
  await withNetwork("drv-badconn", "10.213.13.0/24", async (_root, store, net) => {
    const box = await Sandbox.start();
    const id = newId();
    try {
      // The gateway is not on the link: the default route cannot be added.
      assertThrows(
        () => store.driver.connect({ ...net, gateway: "10.213.99.1" }, id, box.pid, "10.213.13.2"),
        /RTM_NEWROUTE default via 10\.213\.99\.1 dev eth0 in the netns of \d+: ENETUNREACH/,
      );
      assertEquals(link(hostVethName(id)), undefined);
      assertEquals(box.inside("ip", ["-j", "link", "show", "dev", "eth0"]).code, 1);
    } finally {
      await box.stop();
    }
  });
});

Deno.test("two networks cannot reach each other, each reaches its gateway", async () => {
  await withNetwork("drv-iso-a", "10.213.14.0/24", async (root, _store, a) => {
    const store = new NetworkStore(root);
    const b = store.create({ name: "drv-iso-b", subnet: "10.213.15.0/24" });
    const boxA = await Sandbox.start();
    const boxB = await Sandbox.start();
    try {
      store.driver.connect(a, newId(), boxA.pid, "10.213.14.2");
      store.driver.connect(b, newId(), boxB.pid, "10.213.15.2");
      assertEquals(boxA.inside(BUSYBOX, ["ping", "-c1", "-W1", "10.213.14.1"]).code, 0);
      assertEquals(boxB.inside(BUSYBOX, ["ping", "-c1", "-W1", "10.213.15.1"]).code, 0);
      assertEquals(boxA.inside(BUSYBOX, ["ping", "-c1", "-W1", "10.213.15.2"]).code, 1);
      assertEquals(boxB.inside(BUSYBOX, ["ping", "-c1", "-W1", "10.213.14.2"]).code, 1);
    } finally {
      await boxA.stop();
      await boxB.stop();
      removeNetwork(root, "drv-iso-b");
    }
  });
});

Deno.test("published port: reached on 127.0.0.1 and on the bridge address; unpublish removes every rule", async () => {
  await withNetwork("drv-publish", "10.213.16.0/24", async (_root, store, net) => {
    const box = await Sandbox.start();
    const www = Deno.makeTempDirSync({ prefix: "dgsh-www-" });
    const token = crypto.randomUUID();
    Deno.writeTextFileSync(`${www}/index.html`, token);
    const id = newId();
    const other = newId();
    const httpd = box.spawnInside(BUSYBOX, ["httpd", "-f", "-p", "80", "-h", www]);
    try {
      const ep = store.driver.connect(net, id, box.pid, "10.213.16.2");
      const port = 20000 + Math.floor(Math.random() * 20000);
      store.driver.publish(
        ep,
        [{ hostIp: "", hostPort: port, containerPort: 80, protocol: "tcp" }],
        id,
      );
      assertEquals(rulesTagged(id.slice(0, 12)).length, 4);
      assertEquals(await waitFor(`http://127.0.0.1:${port}/`), token);
      assertEquals(await waitFor(`http://${net.gateway}:${port}/`), token);
      // From another container on the network: the PREROUTING rule.
      const peer = await Sandbox.start();
      try {
        store.driver.connect(net, newId(), peer.pid, "10.213.16.3");
        assertStringIncludes(await peer.httpGet(net.gateway, port), token);
      } finally {
        await peer.stop();
      }

      // The same host port for another container is refused, and leaves nothing.
      assertThrows(
        () =>
          store.driver.publish(ep, [{
            hostIp: "",
            hostPort: port,
            containerPort: 80,
            protocol: "tcp",
          }], other),
        /Bind for 0\.0\.0\.0:\d+ failed: port is already allocated/,
      );
      assertEquals(rulesTagged(other.slice(0, 12)), []);
      // So is the same port twice in one request: no rule of it is added.
      const twice = {
        hostIp: "127.0.0.1",
        hostPort: port + 1,
        containerPort: 80,
        protocol: "tcp" as const,
      };
      assertThrows(
        () => store.driver.publish(ep, [twice, { ...twice, hostIp: "" }], other),
        /Bind for 0\.0\.0\.0:\d+ failed: port is already allocated/,
      );
      assertEquals(rulesTagged(other.slice(0, 12)), []);
      // A host program's listening port is refused too.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: port + 2 });
      try {
        assertThrows(
          () => store.driver.publish(ep, [{ ...twice, hostPort: port + 2 }], other),
          /Bind for 127\.0\.0\.1:\d+ failed: port is already allocated/,
        );
      } finally {
        listener.close();
      }

      store.driver.unpublish(id);
      assertEquals(rulesTagged(id.slice(0, 12)), []);
      store.driver.disconnect(ep, net);
    } finally {
      store.driver.unpublish(id);
      store.driver.unpublish(other);
      httpd.kill("SIGKILL");
      await httpd.status;
      await box.stop();
      Deno.removeSync(www, { recursive: true });
    }
  });
});
