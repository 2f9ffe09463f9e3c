import { assertEquals } from "../_assert.ts";
import { parseFlags } from "../../src/cli/flags.ts";
import { RESOURCE_FLAGS, resourcesFromFlags } from "../../src/cli/resource_flags.ts";
import { onlineCpus } from "../../src/cgroup/units.ts";
import { hostCgroupVersion } from "../../src/cgroup/container_cgroup.ts";
import { userError } from "./_user_error.ts";

const MiB = 1024 * 1024;
const resources = (...args: string[]) => resourcesFromFlags(parseFlags(args, RESOURCE_FLAGS));

Deno.test("resource flags: every flag in every spelling, in kernel units", () => {
  assertEquals(
    resources(
      "-m",
      "64m",
      "--memory-swap=128m",
      "--cpus",
      "0.5",
      "-c",
      "512",
      "--cpuset-cpus",
      "0",
      "--cpuset-mems=0",
      "--pids-limit",
      "20",
      "--cgroup-parent",
      "ci/jobs/",
    ),
    {
      memory: 64 * MiB,
      memorySwap: 128 * MiB,
      nanoCpus: 500_000_000,
      cpuShares: 512,
      cpusetCpus: "0",
      cpusetMems: "0",
      pidsLimit: 20,
      cgroupParent: "/ci/jobs",
    },
  );
  assertEquals(resources("--memory=1g", "--cpu-shares=0", "--pids-limit=-1"), {
    memory: 1024 * MiB,
    memorySwap: 2048 * MiB,
  });
  assertEquals(resources(), {});
  assertEquals(resources("-m64m", "--memory-swap", "-1"), { memory: 64 * MiB, memorySwap: -1 });
});

Deno.test("resource flags: bad values are one-line UserErrors, worded like Docker", () => {
  const n = onlineCpus().length;
  const cases: [string[], string][] = [
    [["-m", "10x"], `invalid argument "10x" for "-m, --memory" flag: invalid size: '10x'`],
    [["-m", "4m"], "dockergsh: Minimum memory limit allowed is 6MB"],
    [
      ["--memory-swap", "1g"],
      "dockergsh: You should always set the Memory limit when using Memoryswap limit, see usage",
    ],
    [
      ["-m", "1g", "--memory-swap", "512m"],
      "dockergsh: Minimum memoryswap limit should be larger than memory limit, see usage",
    ],
    [
      ["--cpus", `${n + 1}`],
      `dockergsh: range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`,
    ],
    [
      ["--cpus", "0"],
      `dockergsh: range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`,
    ],
    [
      ["--cpuset-cpus", `0-${n}`],
      `dockergsh: Requested CPUs are not available - requested 0-${n}, available: ${
        n === 1 ? "0" : `0-${n - 1}`
      }`,
    ],
    [
      ["--pids-limit", "ten"],
      `invalid argument "ten" for "--pids-limit" flag: strconv.ParseInt: parsing "ten": invalid syntax`,
    ],
    [
      ["--cgroup-parent", "../../etc"],
      `dockergsh: invalid --cgroup-parent "../../etc": use a path of names made of [A-Za-z0-9_.@:-]`,
    ],
    [
      ["--memory-reservation", "5m"],
      "dockergsh: Minimum memory reservation allowed is 6MB",
    ],
    [
      ["-m", "64m", "--memory-reservation", "128m"],
      "dockergsh: Minimum memory limit can not be less than memory reservation limit, see usage",
    ],
    [
      ["--memory-reservation", "abc"],
      `invalid argument "abc" for "--memory-reservation" flag: invalid size: 'abc'`,
    ],
    [
      ["--memory-swappiness", "101"],
      "dockergsh: invalid value: 101. Valid memory swappiness range is 0-100",
    ],
    [
      ["--memory-swappiness", "-2"],
      "dockergsh: invalid value: -2. Valid memory swappiness range is 0-100",
    ],
    [
      ["--memory-swappiness", "abc"],
      `invalid argument "abc" for "--memory-swappiness" flag: strconv.ParseInt: parsing "abc": invalid syntax`,
    ],
    [
      ["--cgroup-parent", ""],
      `dockergsh: invalid --cgroup-parent "": use a path of names made of [A-Za-z0-9_.@:-]`,
    ],
  ];
  for (const [args, message] of cases) assertEquals(userError(() => resources(...args)), message);
});

Deno.test({
  name: "resource flags: --memory-reservation, --memory-swappiness, --oom-kill-disable (cgroup v1)",
  ignore: hostCgroupVersion() !== "v1",
  fn: () => {
    assertEquals(
      resources(
        "-m",
        "64m",
        "--memory-reservation",
        "32m",
        "--memory-swappiness=0",
        "--oom-kill-disable",
      ),
      {
        memory: 64 * MiB,
        memorySwap: 128 * MiB,
        memoryReservation: 32 * MiB,
        memorySwappiness: 0,
        oomKillDisable: true,
      },
    );
    // Docker's "unset" values: a reservation of 0, a swappiness of -1, --oom-kill-disable=false.
    assertEquals(
      resources(
        "--memory-reservation",
        "0",
        "--memory-swappiness",
        "-1",
        "--oom-kill-disable=false",
      ),
      {},
    );
    assertEquals(resources("-m", "64m", "--memory-reservation", "64m").memoryReservation, 64 * MiB);
  },
});
