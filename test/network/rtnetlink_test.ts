/**
 * rtnetlink requests on the real kernel: a veth pair made across two
 * network namespaces, the inside configured through a socket made in the
 * other namespace, read back with `ip`; refusals named by their message.
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { broadcastOf, RouteNetlink } from "../../src/network/rtnetlink.ts";
import { ipv4Of, link, run, Sandbox } from "./_net.ts";

Deno.test("rtnetlink: broadcast addresses as `ip addr add … brd +` computes them", () => {
  assertEquals(broadcastOf("10.213.40.7", 24), "10.213.40.255");
  assertEquals(broadcastOf("172.30.0.2", 16), "172.30.255.255");
  assertEquals(broadcastOf("10.1.2.3", 30), "10.1.2.3");
  assertEquals(broadcastOf("10.1.2.3", 32), "10.1.2.3");
});

Deno.test("rtnetlink: a veth pair into another namespace, its inside configured from a socket made there", async () => {
  const box = await Sandbox.start();
  const kernel = new LinuxKernel();
  const host = RouteNetlink.open(kernel);
  const name = `vrt${crypto.randomUUID().slice(0, 8)}`;
  try {
    host.addVethPair(name, { name: "eth0", mac: "02:42:0a:d5:28:07", netnsPid: box.pid });
    assert(link(name) !== undefined, "the host end is in this namespace");
    host.setUp(name);

    const inside = RouteNetlink.in(kernel, box.pid);
    try {
      inside.setUp("lo");
      inside.addAddress("eth0", "10.213.40.7", 24);
      inside.setUp("eth0");
      inside.addDefaultRoute("10.213.40.1", "eth0");
      // The same address again: the kernel's refusal, named by its message.
      let refused: unknown;
      try {
        inside.addAddress("eth0", "10.213.40.7", 24);
      } catch (err) {
        refused = err;
      }
      assert(refused instanceof SyscallError, `${refused}`);
      assertEquals(refused.code, "EEXIST");
      assertStringIncludes(
        refused.message,
        `RTM_NEWADDR 10.213.40.7/24 brd 10.213.40.255 dev eth0 in the netns of ${box.pid}`,
      );
    } finally {
      inside.close();
    }

    const eth0 = JSON.parse(box.inside("ip", ["-j", "link", "show", "eth0"]).stdout)[0];
    assertEquals(eth0.address, "02:42:0a:d5:28:07");
    assert((eth0.flags as string[]).includes("UP"));
    const addrs = box.inside("ip", ["-j", "addr", "show", "dev", "eth0"]).stdout;
    assertEquals(ipv4Of(addrs, "eth0"), ["10.213.40.7/24"]);
    const route = box.inside("ip", ["route", "show", "default"]).stdout;
    assertStringIncludes(route, "default via 10.213.40.1 dev eth0");

    // The host's own namespace is untouched: the route went inside only.
    assert(!run("ip", ["route"]).stdout.includes("10.213.40.1"));

    assertEquals(host.deleteLink(name), true);
    assertEquals(link(name), undefined);
    assertEquals(host.deleteLink(name), false, "a link already gone is no error");
  } finally {
    host.deleteLink(name);
    host.close();
    await box.stop();
  }
});
