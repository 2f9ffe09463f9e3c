import { assert, assertEquals } from "../_assert.ts";
import { buildContainer } from "../../src/process/init.ts";
import type { InitConfig } from "../../src/process/init_config.ts";
import { RecordingKernel } from "../_recording_kernel.ts";

Deno.test("init builds the container in the order the kernel needs", () => {
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-steps-" });
  try {
    const merged = `${dir}/merged`;
    Deno.mkdirSync(`${merged}/etc`, { recursive: true });
    Deno.mkdirSync(`${dir}/vol`);
    for (const f of ["hostname", "hosts", "resolv.conf"]) Deno.writeTextFileSync(`${dir}/${f}`, "");
    const config: InitConfig = {
      kind: "create",
      containerId: "c".repeat(64),
      layers: { lower: `${dir}/lower`, upper: `${dir}/upper`, work: `${dir}/work`, merged },
      binds: [{ source: `${dir}/vol`, destination: "/data", readOnly: true }],
      etcFiles: {
        hostname: `${dir}/hostname`,
        hosts: `${dir}/hosts`,
        resolvConf: `${dir}/resolv.conf`,
      },
      hostname: "box",
      ownNetwork: true,
      cmd: ["/bin/true"],
      env: [],
      workingDir: "/",
      stdio: { kind: "inherit" },
    };
    const k = new RecordingKernel();
    let stdioOpenedAt = -1;
    buildContainer(k, config, () => {
      stdioOpenedAt = k.calls.length;
      return undefined;
    }, merged);
    const steps = k.calls.map((c) =>
      c.call === "mount" ? `mount ${c.args[2] ?? "bind"} ${c.args[1]}` : `${c.call} ${c.args[0]}`
    );
    assertEquals(steps, [
      "mount bind /",
      `mount overlay ${merged}`,
      `mount bind ${merged}/data`,
      `mount bind ${merged}/data`,
      `mount bind ${merged}/etc/hostname`,
      `mount bind ${merged}/etc/hosts`,
      `mount bind ${merged}/etc/resolv.conf`,
      `mount tmpfs ${merged}/dev`,
      `mknod ${merged}/dev/null`,
      `mknod ${merged}/dev/zero`,
      `mknod ${merged}/dev/full`,
      `mknod ${merged}/dev/random`,
      `mknod ${merged}/dev/urandom`,
      `mknod ${merged}/dev/tty`,
      `mount devpts ${merged}/dev/pts`,
      `mount tmpfs ${merged}/dev/shm`,
      `mount bind ${merged}`,
      `chdir ${merged}`,
      "pivot_root .",
      "umount2 .",
      "chdir /",
      `mount proc ${merged}/proc`,
      `mount sysfs ${merged}/sys`,
      "sethostname box",
      "linkUp lo",
    ]);
    // Host paths (tty slave, log file) are opened before pivot_root hides them.
    assertEquals(k.calls[stdioOpenedAt].args[1], `${merged}/dev`);
    assert(stdioOpenedAt < k.calls.findIndex((c) => c.call === "pivot_root"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
