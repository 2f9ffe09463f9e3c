/**
 * The restart decision and back-off, as Docker's restart manager makes
 * them (moby restartmanager: 100 ms, doubled, at most a minute, reset by a
 * run of 10 s), and the policy rules measured on Docker 20.10: on-failure
 * stops after N restarts, a container stopped by hand is not restarted.
 */

import { assertEquals } from "../_assert.ts";
import { createdState } from "../../src/container/record.ts";
import type { ContainerRecord, RestartPolicy } from "../../src/container/record.ts";
import { nextDelay, shouldRestart } from "../../src/monitor/restart_policy.ts";

function rec(
  policy: RestartPolicy | undefined,
  restartCount = 0,
  manuallyStopped = false,
): ContainerRecord {
  return {
    id: "ab".repeat(32),
    name: "x",
    created: "",
    config: { restartPolicy: policy } as ContainerRecord["config"],
    state: createdState(),
    restartCount,
    manuallyStopped,
  };
}

Deno.test("shouldRestart: Docker's policies", () => {
  const onFailure2: RestartPolicy = { name: "on-failure", maximumRetryCount: 2 };
  assertEquals(shouldRestart(rec(undefined), 1), false);
  assertEquals(shouldRestart(rec({ name: "no", maximumRetryCount: 0 }), 1), false);
  assertEquals(shouldRestart(rec({ name: "always", maximumRetryCount: 0 }), 0), true);
  assertEquals(shouldRestart(rec({ name: "unless-stopped", maximumRetryCount: 0 }), 0), true);
  assertEquals(shouldRestart(rec({ name: "always", maximumRetryCount: 0 }, 0, true), 1), false);
  assertEquals(shouldRestart(rec(onFailure2, 0), 0), false, "a clean exit is no failure");
  assertEquals(shouldRestart(rec(onFailure2, 1), 3), true);
  assertEquals(shouldRestart(rec(onFailure2, 2), 3), false, "at most N restarts");
  assertEquals(
    shouldRestart(rec({ name: "on-failure", maximumRetryCount: 0 }, 99), 1),
    true,
    "0: no limit",
  );
});

Deno.test("nextDelay: 100 ms, doubled, capped at a minute, reset after a 10 s run", () => {
  const delays: number[] = [];
  let d: number | undefined;
  for (let i = 0; i < 12; i++) delays.push(d = nextDelay(d, 50));
  assertEquals(delays.slice(0, 4), [100, 200, 400, 800]);
  assertEquals(delays.at(-1), 60_000);
  assertEquals(nextDelay(6400, 10_000), 100);
  assertEquals(nextDelay(6400, 9_999), 12_800);
});
