import { assert, assertEquals } from "../_assert.ts";
import {
  CLONE_NEWCGROUP,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REMOUNT,
  PR_CAP_AMBIENT,
  PR_CAPBSET_DROP,
  PR_SET_KEEPCAPS,
  PR_SET_NO_NEW_PRIVS,
} from "../../ffi/constants.ts";
import { containerSpec } from "../../src/container/container_spec.ts";
import type { ContainerConfig } from "../../src/container/record.ts";
import { buildContainer, enterCgroups } from "../../src/process/init.ts";
import type { InitConfig } from "../../src/process/init_config.ts";
import { confineProcess } from "../../src/security/confine.ts";
import { planRlimits } from "../../src/security/rlimits.ts";
import { RecordingKernel } from "../_recording_kernel.ts";

/** A container config as `create` makes it, with a read-only volume. */
function config(dir: string): ContainerConfig {
  return {
    image: "busybox",
    imageId: "i".repeat(64),
    cmd: ["/bin/true"],
    env: [],
    hostname: "box",
    workingDir: "/",
    tty: false,
    openStdin: false,
    detach: false,
    autoRemove: false,
    binds: [{ source: `${dir}/vol`, destination: "/data", readOnly: true }],
    resources: {},
    networkMode: "none",
    ports: [],
  };
}

Deno.test("init builds the container in the order the kernel needs", () => {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-steps-" });
  try {
    const merged = `${dir}/merged`;
    // What the image and the kernel would have: a masked file and directory, a read-only path.
    for (const d of ["etc", "proc/acpi", "proc/sys"]) {
      Deno.mkdirSync(`${merged}/${d}`, { recursive: true });
    }
    Deno.writeTextFileSync(`${merged}/proc/keys`, "");
    Deno.mkdirSync(`${dir}/vol`);
    for (const f of ["hostname", "hosts", "resolv.conf"]) Deno.writeTextFileSync(`${dir}/${f}`, "");
    const spec = containerSpec("c".repeat(64), config(dir), {
      root: merged,
      etcFiles: {
        hostname: `${dir}/hostname`,
        hosts: `${dir}/hosts`,
        resolvConf: `${dir}/resolv.conf`,
      },
    }, undefined);
    const job: InitConfig = {
      kind: "create",
      containerId: "c".repeat(64),
      spec,
      overlay: { lower: `${dir}/lower`, upper: `${dir}/upper`, work: `${dir}/work` },
      stdio: { kind: "inherit" },
    };
    const k = new RecordingKernel();
    let stdioOpenedAt = -1;
    buildContainer(k, job, () => {
      stdioOpenedAt = k.calls.length;
      return undefined;
    }, merged);
    const steps = k.calls
      // The cgroup hierarchies mounted under /sys/fs/cgroup are the host's: not listed here.
      .filter((c) => !(c.call === "mount" && ["cgroup", "cgroup2"].includes(c.args[2] as string)))
      .map((c) => {
        if (c.call !== "mount") return `${c.call} ${c.args[0]}`;
        const flags = c.args[3] as number;
        const kind = c.args[2] ??
          (flags & MS_REMOUNT ? "remount" : flags & MS_BIND ? "bind" : "propagation");
        return `mount ${kind} ${c.args[1]}${flags & MS_RDONLY ? " ro" : ""}`;
      });
    assertEquals(steps, [
      "mount propagation /",
      `mount overlay ${merged}`,
      // A mount point for pivot_root, bound before anything goes under it.
      `mount bind ${merged}`,
      `mount proc ${merged}/proc`,
      `mount tmpfs ${merged}/dev`,
      `mount devpts ${merged}/dev/pts`,
      `mount sysfs ${merged}/sys ro`,
      `mount mqueue ${merged}/dev/mqueue`,
      `mount tmpfs ${merged}/dev/shm`,
      `mount bind ${merged}/etc/resolv.conf`,
      `mount bind ${merged}/etc/hostname`,
      `mount bind ${merged}/etc/hosts`,
      `mount bind ${merged}/data`,
      `mount remount ${merged}/data ro`,
      `mknod ${merged}/dev/null`,
      `mknod ${merged}/dev/random`,
      `mknod ${merged}/dev/full`,
      `mknod ${merged}/dev/tty`,
      `mknod ${merged}/dev/zero`,
      `mknod ${merged}/dev/urandom`,
      `chdir ${merged}`,
      "pivot_root .",
      "umount2 .",
      "chdir /",
      `mount tmpfs ${merged}/proc/acpi ro`,
      `mount bind ${merged}/proc/keys`,
      `mount bind ${merged}/proc/sys`,
      `mount remount ${merged}/proc/sys ro`,
      "sethostname box",
      "linkUp lo",
    ]);
    // Host paths (tty slave, log file) are opened before pivot_root hides them.
    assert(stdioOpenedAt < k.calls.findIndex((c) => c.call === "pivot_root"));

    // On start, in its cgroup: the cgroup namespace, then the read-only tree of the host's v1
    // hierarchies (a hybrid host's controller-less cgroup2 left out, as Docker's tree).
    const later = new RecordingKernel();
    const hostCgroups = {
      mounts: [
        {
          mountPoint: "/sys/fs/cgroup/memory",
          fsType: "cgroup" as const,
          superOptions: ["rw", "memory"],
        },
        { mountPoint: "/sys/fs/cgroup/unified", fsType: "cgroup2" as const, superOptions: ["rw"] },
      ],
      links: [],
    };
    enterCgroups(later, job, hostCgroups, merged);
    assertEquals(later.lines().map((l) => l.replaceAll(merged, "")), [
      `unshare ${CLONE_NEWCGROUP}`,
      `mount tmpfs /sys/fs/cgroup tmpfs ${MS_NOSUID | MS_NODEV | MS_NOEXEC} mode=755`,
      `mount cgroup /sys/fs/cgroup/memory cgroup ${
        MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY
      } memory`,
      `mount null /sys/fs/cgroup null ${
        MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY
      } null`,
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("confinement: bounding set before the user switch, capset after, seccomp by no_new_privs", () => {
  const k = new RecordingKernel();
  const program = new Uint8Array(16);
  const process = {
    user: { uid: 65534, gid: 65534, additionalGids: [65534] },
    args: ["/bin/true"],
    cwd: "/",
    capabilities: { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] },
    rlimits: [
      { type: "RLIMIT_NOFILE", soft: 100, hard: 200 },
      { type: "RLIMIT_AS", soft: 1 << 30, hard: 1 << 30 },
    ],
  };
  // A lowered address-space limit is left for the trampoline (see rlimits.ts); the others are
  // set first, before the user switch.
  const limits = planRlimits(k, process.rlimits);
  assertEquals(limits, { early: [process.rlimits[0]], atExec: [process.rlimits[1]] });
  confineProcess(k, process, limits, program);
  const names = k.calls.map((c) => c.call === "prctl" ? `prctl ${c.args[0]}` : c.call).filter((
    n,
    i,
    all,
  ) => n !== all[i - 1]);
  assertEquals(names, [
    "getrlimit",
    "setrlimit",
    "seccompSetFilter", // no_new_privs off: while CAP_SYS_ADMIN is still held
    `prctl ${PR_CAPBSET_DROP}`,
    `prctl ${PR_SET_KEEPCAPS}`,
    "setgroups",
    "setresgid",
    "setresuid",
    `prctl ${PR_SET_KEEPCAPS}`,
    "capset",
    `prctl ${PR_CAP_AMBIENT}`,
  ]);
  // CAP_KILL (5) is kept, every other capability dropped from the bounding set.
  const dropped = k.calls.filter((c) => c.call === "prctl" && c.args[0] === PR_CAPBSET_DROP);
  assert(!dropped.some((c) => c.args[1] === 5) && dropped.some((c) => c.args[1] === 21));

  // A raised hard limit is set first, while the capabilities that allow it are held.
  const low = new class extends RecordingKernel {
    override getrlimit(resource: number) {
      super.getrlimit(resource);
      return { soft: 50n, hard: 100n };
    }
  }();
  const raised = planRlimits(low, process.rlimits);
  assertEquals(raised, { early: process.rlimits, atExec: [] });
  confineProcess(low, process, raised, program);
  assertEquals(low.calls.slice(0, 4).map((c) => c.call), [
    "getrlimit",
    "getrlimit",
    "setrlimit",
    "setrlimit",
  ]);

  const late = new RecordingKernel();
  const nnp = { ...process, noNewPrivileges: true };
  confineProcess(late, nnp, planRlimits(late, nnp.rlimits), program);
  const order = late.calls.map((c) => c.call === "prctl" ? `prctl ${c.args[0]}` : c.call);
  // After the two limits' getrlimit and the early limit's setrlimit.
  assertEquals(order.indexOf(`prctl ${PR_SET_NO_NEW_PRIVS}`), 3);
  assertEquals(order.at(-1), "seccompSetFilter"); // no_new_privs on: last
});
