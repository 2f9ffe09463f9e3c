/**
 * Which `linux.resources` the runtime accepts on each cgroup version, as
 * Docker and containerd send them (0 for unset, 2^64 - 1 for a swappiness
 * of -1), and what it warns about or refuses. The v2 answers are checked
 * here because this machine's cgroups are v1.
 *
 * @module
 */

import { assertEquals, assertThrows } from "../_assert.ts";
import { checkResources } from "../../src/runtime/resource_support.ts";

Deno.test("resources: what Docker sends for a plain container is accepted silently on v1 and v2", () => {
  const docker = JSON.parse(
    `{"devices":[{"allow":false,"access":"rwm"}],"memory":{"swappiness":18446744073709551615,` +
      `"disableOOMKiller":false},"cpu":{"shares":0},"pids":{"limit":0},"blockIO":{"weight":0}}`,
  );
  assertEquals(checkResources(docker, "v1"), []);
  assertEquals(checkResources(docker, "v2"), []);
});

Deno.test("resources: kernel memory is ignored with a warning; disableOOMKiller on v2 too", () => {
  const kernel = { memory: { limit: 1 << 26, kernel: 1 << 26, kernelTCP: 1 << 26 } };
  for (const version of ["v1", "v2"] as const) {
    const [warning, ...more] = checkResources(kernel, version);
    assertEquals(more, []);
    assertEquals(
      warning.startsWith("linux.resources.memory.kernel and kernelTCP are ignored"),
      true,
    );
  }
  const oom = { memory: { disableOOMKiller: true } };
  assertEquals(checkResources(oom, "v1"), []);
  assertEquals(checkResources(oom, "v2").length, 1);
});

Deno.test("resources: v2 refuses a swappiness and leaf weights; v1 takes them", () => {
  const swappiness = { memory: { swappiness: 0 } };
  assertEquals(checkResources(swappiness, "v1"), []);
  assertThrows(() => checkResources(swappiness, "v2"), /cgroup v2 has no memory\.swappiness/);
  const blkio = { blockIO: { throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 10 }] } };
  assertEquals(checkResources(blkio, "v1"), []);
  assertEquals(checkResources(blkio, "v2"), []);
  const leaf = { blockIO: { weightDevice: [{ major: 254, minor: 0, leafWeight: 10 }] } };
  assertEquals(checkResources(leaf, "v1"), []);
  assertThrows(() => checkResources(leaf, "v2"), /cgroup v2 has no leaf weights/);
  assertThrows(
    () => checkResources({ pids: { limit: "10" } }, "v1"),
    /pids\.limit must be an integer/,
  );
  assertThrows(
    () => checkResources({ blockIO: { weightDevice: [{ major: 8, weight: 10 }] } }, "v1"),
    /weightDevice\[0\] needs major and minor/,
  );
});

Deno.test("resources: realtime CPU bandwidth on v1 only", () => {
  const rt = { cpu: { realtimePeriod: 1000000, realtimeRuntime: 950000 } };
  assertEquals(checkResources(rt, "v1"), []);
  assertThrows(() => checkResources(rt, "v2"), /cgroup v2 has no realtime CPU bandwidth/);
});

Deno.test("resources: unified files by name on v2 only, each CONTROLLER.FILE with a string", () => {
  const unified = { unified: { "memory.high": "1073741824", "hugetlb.2MB.max": "0" } };
  assertEquals(checkResources(unified, "v2"), []);
  assertThrows(() => checkResources(unified, "v1"), /cannot use unified on cgroup v1/);
  assertEquals(checkResources({ unified: {} }, "v1"), []);
  assertThrows(
    () => checkResources({ unified: { "../../cgroup.procs": "1" } }, "v2"),
    /must be CONTROLLER\.FILE/,
  );
  assertThrows(() => checkResources({ unified: { "memory.high": 5 } }, "v2"), /must be a string/);
});
