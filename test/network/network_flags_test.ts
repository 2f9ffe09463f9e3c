import { assertEquals, assertThrows } from "../_assert.ts";
import { parseFlags } from "../../src/cli/flags.ts";
import { NETWORK_FLAGS, networkFromFlags, parsePublish } from "../../src/cli/network_flags.ts";

const parse = (...args: string[]) => networkFromFlags(parseFlags(args, NETWORK_FLAGS));

Deno.test("publish specs: HOST:CONTAINER, IP:HOST:CONTAINER, /udp", () => {
  assertEquals(parsePublish("8080:80"), {
    hostIp: "",
    hostPort: 8080,
    containerPort: 80,
    protocol: "tcp",
  });
  assertEquals(parsePublish("127.0.0.1:5353:53/udp"), {
    hostIp: "127.0.0.1",
    hostPort: 5353,
    containerPort: 53,
    protocol: "udp",
  });
  assertEquals(parsePublish("1:65535/TCP").protocol, "tcp");
});

Deno.test("publish specs: Docker-like errors", () => {
  assertThrows(() => parsePublish("80"), /a host port is required/);
  assertThrows(() => parsePublish("8080:80/sctp"), /invalid proto: sctp/);
  assertThrows(() => parsePublish("x:80"), /invalid hostPort: x/);
  assertThrows(() => parsePublish("8080:0"), /invalid containerPort: 0/);
  assertThrows(() => parsePublish("8080:65536"), /invalid containerPort: 65536/);
  assertThrows(() => parsePublish("8080:080"), /invalid containerPort: 080/);
  assertThrows(() => parsePublish("1.2.3:8080:80"), /invalid IP address: 1\.2\.3/);
  assertThrows(() => parsePublish("8000-8001:80-81"), /port ranges are not supported/);
  assertThrows(() => parsePublish("::1:8080:80"), /IPv4 only/);
});

Deno.test("--net/--network, -p and --ip together; bridge by default", () => {
  assertEquals(parse(), { networkMode: "bridge", ports: [] });
  assertEquals(parse("--network=backend", "--ip", "10.213.3.9", "-p", "8080:80", "-p81:81/udp"), {
    networkMode: "backend",
    ipRequest: "10.213.3.9",
    ports: [
      { hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "", hostPort: 81, containerPort: 81, protocol: "udp" },
    ],
  });
  assertEquals(parse("--net", "none").networkMode, "none");
  assertEquals(parse("--net", "host", "-p", "80:80"), { networkMode: "host", ports: [] });
});

Deno.test("network flag conflicts and bad values", () => {
  assertThrows(() => parse("--ip", "10.213.3.9"), /user defined networks only/);
  assertThrows(() => parse("--net", "host", "--ip", "10.213.3.9"), /user defined networks only/);
  assertThrows(() => parse("--net", "x", "--ip", "10.213.3.999"), /invalid IPv4 address/);
  assertThrows(() => parse("--net", "../etc"), /invalid network name/);
  assertThrows(() => parse("--net", "container:abc"), /not supported/);
  // Docker 20.10 accepts `-p 80:80 --network none`: kept in HostConfig, published nowhere.
  assertEquals(parse("--net", "none", "-p", "80:80").ports.length, 1);
});
