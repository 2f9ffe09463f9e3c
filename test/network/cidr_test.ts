import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  broadcastAddress,
  cidrContains,
  cidrOverlaps,
  cidrSize,
  formatCidr,
  formatIpv4,
  nthAddress,
  parseCidr,
  parseIpv4,
} from "../../src/network/cidr.ts";

Deno.test("parseIpv4 / formatIpv4 round-trip, odd spellings refused", () => {
  assertEquals(parseIpv4("10.213.0.1"), 0x0ad50001);
  assertEquals(parseIpv4("255.255.255.255"), 0xffffffff);
  assertEquals(formatIpv4(0xffffffff), "255.255.255.255");
  assertEquals(formatIpv4(parseIpv4("172.30.4.9")!), "172.30.4.9");
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "a.b.c.d",
      "1.2.3.4 ",
      "-1.2.3.4",
    ]
  ) {
    assertEquals(parseIpv4(bad), undefined, bad);
  }
});

Deno.test("parseCidr: prefix bounds, host bits named", () => {
  assertEquals(parseCidr("10.213.0.0/16"), { network: 0x0ad50000, prefix: 16 });
  assertEquals(formatCidr(parseCidr("0.0.0.0/0")), "0.0.0.0/0");
  assertEquals(formatCidr(parseCidr("10.213.7.9/32")), "10.213.7.9/32");
  assertThrows(() => parseCidr("10.213.0.0"), /invalid CIDR address: 10\.213\.0\.0$/);
  assertThrows(() => parseCidr("10.213.0.0/33"), /invalid CIDR address/);
  assertThrows(() => parseCidr("10.213.0.0/08"), /invalid CIDR address/);
  assertThrows(() => parseCidr("10.213.0.1/24"), /did you mean 10\.213\.0\.0\/24/);
});

Deno.test("contains, overlaps, size, nth and broadcast", () => {
  const a = parseCidr("10.213.0.0/24");
  assert(cidrContains(a, parseIpv4("10.213.0.255")!));
  assert(!cidrContains(a, parseIpv4("10.213.1.0")!));
  assert(cidrContains(parseCidr("0.0.0.0/0"), 0xffffffff));
  assert(cidrOverlaps(a, parseCidr("10.213.0.128/25")));
  assert(cidrOverlaps(parseCidr("10.0.0.0/8"), a));
  assert(!cidrOverlaps(a, parseCidr("10.213.1.0/24")));
  assertEquals(cidrSize(parseCidr("10.213.0.0/29")), 8);
  assertEquals(formatIpv4(nthAddress(a, 1)), "10.213.0.1");
  assertEquals(formatIpv4(broadcastAddress(parseCidr("255.255.255.0/24"))), "255.255.255.255");
  assertThrows(() => nthAddress(a, 256), /outside 10\.213\.0\.0\/24/);
});
