import { assertEquals } from "../_assert.ts";
import {
  checkCpuset,
  MIN_MEMORY,
  onlineCpus,
  parseCpus,
  parseCpuShares,
  parseMemory,
  parseMemorySwap,
  parsePidsLimit,
  sharesToWeight,
} from "../../src/cgroup/units.ts";
import { userError } from "./_user_error.ts";

Deno.test("units: memory sizes in Docker's units, any case, in bytes", () => {
  assertEquals(parseMemory("100m"), 100 * 1024 * 1024);
  assertEquals(parseMemory("100M"), 100 * 1024 * 1024);
  assertEquals(parseMemory("1g"), 1024 ** 3);
  assertEquals(parseMemory("1.5G"), 1.5 * 1024 ** 3);
  assertEquals(parseMemory("8192k"), 8 * 1024 * 1024);
  assertEquals(parseMemory("7340032"), 7340032);
  assertEquals(parseMemory("7340032b"), 7340032);
  assertEquals(parseMemory("64MiB"), 64 * 1024 * 1024);
  assertEquals(parseMemory("64mb"), 64 * 1024 * 1024);
});

Deno.test("units: bad memory values fail as Docker words it", () => {
  assertEquals(
    userError(() => parseMemory("10x")),
    `invalid argument "10x" for "-m, --memory" flag: invalid size: '10x'`,
  );
  assertEquals(
    userError(() => parseMemory("-5m")),
    `invalid argument "-5m" for "-m, --memory" flag: invalid size: '-5m'`,
  );
  assertEquals(
    userError(() => parseMemory("")),
    `invalid argument "" for "-m, --memory" flag: invalid size: ''`,
  );
  // Docker 20.10 (the peer): `run -m 1.2.3` → this line, exit 125.
  assertEquals(
    userError(() => parseMemory("1.2.3")),
    `invalid argument "1.2.3" for "-m, --memory" flag: strconv.ParseFloat: parsing "1.2.3": invalid syntax`,
  );
  assertEquals(
    userError(() => parseMemory("5m")),
    "dockergsh: Minimum memory limit allowed is 6MB",
  );
  assertEquals(parseMemory("6m"), MIN_MEMORY);
  assertEquals(parseMemorySwap("-1"), -1);
  assertEquals(
    userError(() => parseMemorySwap("lots")),
    `invalid argument "lots" for "--memory-swap" flag: invalid size: 'lots'`,
  );
});

Deno.test("units: --cpus to nano CPUs within 0.01 and the host's CPU count", () => {
  assertEquals(parseCpus("0.5", 2), 500_000_000);
  assertEquals(parseCpus("1.25", 2), 1_250_000_000);
  assertEquals(parseCpus("2", 2), 2_000_000_000);
  assertEquals(parseCpus(".01", 2), 10_000_000);
  const range = "dockergsh: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available";
  assertEquals(userError(() => parseCpus("0", 2)), range);
  assertEquals(userError(() => parseCpus("-1", 2)), range);
  assertEquals(userError(() => parseCpus("0.001", 2)), range);
  assertEquals(userError(() => parseCpus("2.5", 2)), range);
  assertEquals(
    userError(() => parseCpus("abc", 2)),
    `invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number`,
  );
  assertEquals(
    userError(() => parseCpus("0.0000000001", 2)),
    `invalid argument "0.0000000001" for "--cpus" flag: value is too precise`,
  );
});

Deno.test("units: the default host CPU count is the kernel's online list", () => {
  const online = onlineCpus();
  const n = online.length;
  assertEquals(online, onlineCpus(Deno.readTextFileSync("/sys/devices/system/cpu/online")));
  assertEquals(parseCpus(`${n}`), n * 1e9);
  assertEquals(
    userError(() => parseCpus(`${n + 1}`)),
    `dockergsh: range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`,
  );
  assertEquals(onlineCpus("0-3,6\n"), [0, 1, 2, 3, 6]);
});

Deno.test("units: cpu shares become cgroup v2 weights as runc converts them", () => {
  assertEquals(sharesToWeight(2), 1);
  assertEquals(sharesToWeight(1024), 39);
  assertEquals(sharesToWeight(512), 20);
  assertEquals(sharesToWeight(262144), 10000);
  assertEquals(sharesToWeight(0), 0);
  assertEquals(parseCpuShares("512"), 512);
  assertEquals(parseCpuShares("0"), undefined);
  assertEquals(
    userError(() => parseCpuShares("1")),
    "dockergsh: invalid --cpu-shares 1: the range is 2 to 262144 (0 for the default)",
  );
  assertEquals(
    userError(() => parseCpuShares("lots")),
    `invalid argument "lots" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "lots": invalid syntax`,
  );
});

Deno.test("units: cpuset lists are checked against what the host has", () => {
  assertEquals(checkCpuset("0-1", "cpus", [0, 1]), "0-1");
  assertEquals(checkCpuset("0,1", "cpus", [0, 1]), "0,1");
  assertEquals(
    userError(() => checkCpuset("0-3", "cpus", [0, 1])),
    "dockergsh: Requested CPUs are not available - requested 0-3, available: 0-1",
  );
  assertEquals(
    userError(() => checkCpuset("1", "mems", [0])),
    "dockergsh: Requested memory nodes are not available - requested 1, available: 0",
  );
  assertEquals(
    userError(() => checkCpuset("0-x", "cpus", [0])),
    "dockergsh: Invalid value 0-x for cpuset cpus",
  );
  assertEquals(
    userError(() => checkCpuset("3-1", "cpus", [0])),
    "dockergsh: Invalid value 3-1 for cpuset cpus",
  );
  assertEquals(
    userError(() => checkCpuset("", "cpus", [0])),
    "dockergsh: Invalid value  for cpuset cpus",
  );
});

Deno.test("units: pids limits: positive integers; 0 and -1 are unlimited", () => {
  assertEquals(parsePidsLimit("10"), 10);
  assertEquals(parsePidsLimit("0"), undefined);
  assertEquals(parsePidsLimit("-1"), undefined);
  assertEquals(
    userError(() => parsePidsLimit("-2")),
    "dockergsh: invalid --pids-limit -2: use -1 or 0 for unlimited",
  );
  assertEquals(
    userError(() => parsePidsLimit("1.5")),
    `invalid argument "1.5" for "--pids-limit" flag: strconv.ParseInt: parsing "1.5": invalid syntax`,
  );
});
