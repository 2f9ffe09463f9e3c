import { assertEquals, assertThrows } from "../_assert.ts";
import { createdState } from "../../src/container/record.ts";
import { observe, transition } from "../../src/container/state.ts";
import type { ContainerRecord } from "../../src/container/record.ts";

const at = "2026-01-01T00:00:00Z";

Deno.test("state machine: created → running → exited → running", () => {
  const running = transition(createdState(), { kind: "start", pid: 42, pidStartTime: 7, at });
  assertEquals([running.status, running.pid, running.startedAt], ["running", 42, at]);
  const exited = transition(running, { kind: "exit", exitCode: 3, at });
  assertEquals([exited.status, exited.exitCode, exited.pid], ["exited", 3, 0]);
  const again = transition(exited, { kind: "start", pid: 43, pidStartTime: 8, at });
  assertEquals([again.status, again.exitCode], ["running", null]);
});

Deno.test("state machine: a failed start keeps the status, with the exit code and why, until a start", () => {
  const error = 'exec: "nosuchcmd": executable file not found in $PATH';
  const failed = transition(createdState(), { kind: "startFailed", exitCode: 127, error });
  assertEquals([failed.status, failed.exitCode, failed.error], ["created", 127, error]);
  // A set-up failure that is not the command's leaves the exit code of the last run.
  const exited = transition(
    transition(failed, { kind: "start", pid: 42, pidStartTime: 7, at }),
    { kind: "exit", exitCode: 3, at },
  );
  assertEquals(exited.error, undefined);
  const setup = transition(exited, { kind: "startFailed", error: "mount failed" });
  assertEquals([setup.status, setup.exitCode, setup.error], ["exited", 3, "mount failed"]);
  const running = transition(setup, { kind: "start", pid: 43, pidStartTime: 8, at });
  assertEquals([running.status, running.error], ["running", undefined]);
  assertThrows(
    () => transition(running, { kind: "startFailed", exitCode: 127, error }),
    /cannot startFailed a container that is running/,
  );
});

Deno.test("state machine: refuses impossible transitions", () => {
  assertThrows(
    () => transition(createdState(), { kind: "exit", exitCode: 0, at }),
    /cannot exit a container that is created/,
  );
  const running = transition(createdState(), { kind: "start", pid: 1, pidStartTime: 1, at });
  assertThrows(
    () => transition(running, { kind: "start", pid: 2, pidStartTime: 2, at }),
    /cannot start a container that is running/,
  );
});

Deno.test("observe: a recycled PID is not the container", () => {
  const self = Deno.readTextFileSync("/proc/self/stat");
  const startTime = Number(self.slice(self.lastIndexOf(")") + 2).split(" ")[19]);
  const base = { id: "a".repeat(64), name: "n", created: at } as ContainerRecord;
  const alive = transition(createdState(), {
    kind: "start",
    pid: Deno.pid,
    pidStartTime: startTime,
    at,
  });
  assertEquals(observe({ ...base, state: alive }).state.status, "running");
  // Same PID, different start time: the container's process is gone.
  const recycled = { ...alive, pidStartTime: startTime - 1 };
  const seen = observe({ ...base, state: recycled }).state;
  assertEquals([seen.status, seen.exitCode], ["exited", null]);
});
