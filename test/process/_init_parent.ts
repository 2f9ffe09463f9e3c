/**
 * The parent side of the init's channel, driven by hand for
 * init_channel_test.ts: spawns the real init (this file re-executed as
 * `init`, as main.ts routes it) in new namespaces for the bundle's root
 * filesystem, sends it a create job, then what `how` says, then `start`;
 * prints what came of it as JSON: the init's report on its status pipe,
 * its exit code and its output.
 *
 *     deno run -A test/process/_init_parent.ts HOW BUNDLE_ROOTFS SECCOMP_CACHE
 *
 * `how`: `filter` sends the confinement with a seccomp program denying
 * mkdir(2) and mkdirat(2) with EPERM; `no-confinement` sends `start` right
 * after the job; `no-program` a confinement without its `seccompProgram`.
 *
 * @module
 */

import { LinuxKernel } from "../../ffi/linux.ts";
import { containerInit } from "../../src/process/init.ts";
import type { InitConfig, InitConfinement } from "../../src/process/init_config.ts";
import { readHostCgroupLayout } from "../../src/rootfs/mounts.ts";
import { spawnContainerInit } from "../../src/runtime/init_spawn.ts";
import { seccompProgramFor } from "../../src/runtime/seccomp_cache.ts";
import { encodeBase64 } from "../../src/_base64.ts";
import type { LinuxSeccomp, Spec } from "../../src/oci/spec.ts";

/** What the driver prints. */
export interface DriverResult {
  failure?: { message: string; exitCode: number };
  code: number;
  stdout: string;
  stderr: string;
}

/** Denies mkdir(2) and mkdirat(2) with EPERM, allows the rest. */
export const DENY_MKDIR: LinuxSeccomp = {
  defaultAction: "SCMP_ACT_ALLOW",
  syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
};

/** Marks the command's run in the root filesystem, then tries a mkdir and shows its seccomp mode. */
export const COMMAND = "echo ran > /ran; mkdir /made && echo made || echo refused; " +
  "grep '^Seccomp:' /proc/self/status";

async function drive(how: string, rootfs: string, cacheDir: string): Promise<DriverResult> {
  const kernel = new LinuxKernel();
  const namespaces: NonNullable<Spec["linux"]>["namespaces"] = [
    { type: "pid" },
    { type: "ipc" },
    { type: "uts" },
    { type: "mount" },
    { type: "network" },
  ];
  const init = spawnContainerInit(kernel, { linux: { namespaces } }, {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const output = init.spawned.child.output();
  const job: InitConfig = {
    kind: "create",
    containerId: "c".repeat(64),
    spec: {
      ociVersion: "1.1.0",
      process: {
        args: ["/bin/sh", "-c", COMMAND],
        env: ["PATH=/bin"],
        cwd: "/",
        user: { uid: 0, gid: 0 },
      },
      root: { path: rootfs },
      mounts: [{ destination: "/proc", type: "proc", source: "proc", options: ["nosuid"] }],
      linux: { namespaces },
    },
    stdio: { kind: "inherit" },
  };
  init.spawned.channel.sendJob(job);
  if (how === "filter") {
    const program = await seccompProgramFor(cacheDir, kernel, DENY_MKDIR);
    init.spawned.channel.sendConfinement({
      kind: "confinement",
      seccompProgram: encodeBase64(program!),
      hostCgroups: readHostCgroupLayout(),
    });
  } else if (how === "no-program") {
    // The field left out is not "no filter" (that is null): refused as no confinement.
    const partial = { kind: "confinement", hostCgroups: readHostCgroupLayout() };
    init.spawned.channel.sendConfinement(partial as unknown as InitConfinement);
  } else if (how !== "no-confinement") {
    throw new Error(`unknown way: ${how}`);
  }
  const failure = await init.spawned.channel.startAsync();
  const out = await output;
  const dec = new TextDecoder();
  return {
    failure,
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

if (Deno.args[0] === "init") {
  await containerInit();
} else {
  const [how, rootfs, cacheDir] = Deno.args;
  console.log(JSON.stringify(await drive(how, rootfs, cacheDir)));
}
