/**
 * A cgroup parent for real cgroup v1 tests, inside the test run's own
 * memory cgroup (`<own memory cgroup>/dgsh-test-<random>`), so that test
 * containers are limited with the test run, never moved out of it. The
 * same path is used in every hierarchy; `cleanup` removes each directory of
 * it that did not exist before, deepest first.
 *
 * @module
 */

import { isBusy } from "../../src/cgroup/_fs.ts";
import { detectCgroupLayout, processCgroups } from "../../src/cgroup/detect.ts";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio"];

/** True on a host whose controllers are on cgroup v1 (hybrid included). */
export const onV1 = detectCgroupLayout().version === "v1";

/** A fresh test parent and the way to remove it. */
export function testParent(): { parent: string; mountRoot: string; cleanup: () => void } {
  const mountRoot = detectCgroupLayout().mountRoot;
  const own = (processCgroups().get("memory") ?? "/").replace(/\/$/, "");
  const parent = `${own}/dgsh-test-${crypto.randomUUID().slice(0, 8)}`;
  const missing: string[] = [];
  for (const ctl of CONTROLLERS) {
    let dir = `${mountRoot}/${ctl}`;
    for (const part of parent.split("/").filter((p) => p !== "")) {
      dir = `${dir}/${part}`;
      try {
        Deno.statSync(dir);
      } catch {
        missing.push(dir);
      }
    }
  }
  const cleanup = () => {
    for (const dir of missing.sort((a, b) => b.length - a.length)) {
      try {
        Deno.removeSync(dir);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        // An ancestor that another test run now uses too stays.
        if (isBusy(err) && !dir.endsWith(parent)) continue;
        throw err;
      }
    }
  };
  return { parent, mountRoot, cleanup };
}

/** SIGKILLs every process listed in `dir`/cgroup.procs (all spawned by the test). */
export function killAll(dir: string): void {
  for (const pid of Deno.readTextFileSync(`${dir}/cgroup.procs`).split("\n")) {
    if (pid === "") continue;
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
}

/**
 * `sh -c script`, moved into `cgroup` before `script` runs: it waits for a
 * line on stdin, which is written once the move is made.
 */
export async function shellInCgroup(
  cgroup: { addProcess(pid: number): void } | undefined,
  script: string,
  output: "piped" | "null" = "null",
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", `read go; ${script}`],
    stdin: "piped",
    stdout: output,
    stderr: output,
  }).spawn();
  cgroup?.addProcess(child.pid);
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("go\n"));
  await w.close();
  return child;
}
