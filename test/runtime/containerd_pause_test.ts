/**
 * containerd's pause and resume reach dockergsh-runc: a detached task run
 * through containerd-shim-runc-v2 with the built `dockergsh-runc` as its
 * runc binary; `ctr task pause` must show PAUSED and freeze the task's
 * process (its counter stands still), `resume` RUNNING again, and a paused
 * task must die of SIGKILL.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { runContainerdScenario } from "./_containerd.ts";

Deno.test("containerd pauses and resumes a task through dockergsh-runc", async () => {
  const { code, seen, why } = await runContainerdScenario("pause", "dgsh-pause");
  assertEquals(code, 0, why);
  assertEquals(seen.get("started"), "RUNNING", why);
  assertEquals([seen.get("pause-rc"), seen.get("paused")], ["0", "PAUSED"], why);
  const [frozenA, frozenB] = (seen.get("paused-counter") ?? "").split(" ");
  assert(frozenA !== "" && frozenA === frozenB, `a paused task runs on: ${why}`);
  assertEquals([seen.get("resume-rc"), seen.get("resumed")], ["0", "RUNNING"], why);
  const [runA, runB] = (seen.get("resumed-counter") ?? "").split(" ").map(Number);
  assert(runB > runA, `a resumed task stands still: ${why}`);
  assertEquals(seen.get("killed-paused"), "STOPPED", why);
  assertEquals([seen.get("delete-rc"), seen.get("container-delete-rc")], ["0", "0"], why);
});
