/**
 * The engine's OCI bundle: every start writes the container's
 * `config.json` under its directory, root-only, and the init runs exactly
 * that (its command, its mounts, its cgroup), through the runtime's code.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { withRoot } from "../_harness.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { StateRoot } from "../../src/store/paths.ts";

/** Mount point → root (field 4) of each mount of `pid`. */
function mountRoots(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of Deno.readTextFileSync(`/proc/${pid}/mountinfo`).trim().split("\n")) {
    const f = line.split(" ");
    out.set(f[4], f[3]);
  }
  return out;
}

Deno.test("run: the container's bundle/config.json is root-only and is what its init ran", async () => {
  await withRoot(async (root) => {
    const vol = Deno.makeTempDirSync({ prefix: "dgsh-bundle-vol-" });
    try {
      const r = await root.run(
        "run",
        "-d",
        "-m",
        "64m",
        "-v",
        `${vol}:/data`,
        "busybox",
        "sleep",
        "31",
      );
      assertEquals(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      const pid = root.store().get(id).state.pid;
      const bundle = `${new StateRoot(root.dir).container(id)}/bundle`;
      const file = `${bundle}/config.json`;

      const dirInfo = Deno.statSync(bundle);
      assertEquals(dirInfo.mode! & 0o777, 0o700);
      const info = Deno.statSync(file);
      assertEquals(info.mode! & 0o777, 0o600);
      assertEquals(info.uid, 0);
      assertEquals([...Deno.readDirSync(bundle)].map((e) => e.name), ["config.json"]);

      const spec: Spec = JSON.parse(Deno.readTextFileSync(file));
      // Its command is the process the host sees.
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").slice(0, -1);
      assertEquals(spec.process?.args, cmdline);
      assertEquals(spec.process?.args, ["sleep", "31"]);
      // Its volume is mounted where it says, from what it says.
      const data = spec.mounts?.find((m) => m.destination === "/data");
      assertEquals(data?.source, vol);
      const mountRoot = mountRoots(pid).get("/data");
      assert(mountRoot?.endsWith(vol.slice(vol.lastIndexOf("/"))), `/data mounted: ${mountRoot}`);
      // Its cgroup is the one named, with the limit it gives.
      const cgroupsPath = spec.linux?.cgroupsPath!;
      assert(cgroupsPath.endsWith(`/${id}`), cgroupsPath);
      const memoryLine = Deno.readTextFileSync(`/proc/${pid}/cgroup`).split("\n")
        .find((l) => /^\d+:(memory|):/.test(l))!;
      assertEquals(
        memoryLine.slice(memoryLine.indexOf(":", memoryLine.indexOf(":") + 1) + 1),
        cgroupsPath,
      );
      const limit = spec.linux?.resources?.memory?.limit;
      assertEquals(limit, 64 * 1024 * 1024);
      const memoryDir = memoryLine.includes(":memory:")
        ? `/sys/fs/cgroup/memory${cgroupsPath}/memory.limit_in_bytes`
        : `/sys/fs/cgroup/unified${cgroupsPath}/memory.max`;
      assertEquals(Deno.readTextFileSync(memoryDir).trim(), `${limit}`);
      // Its root is the container's overlay, as the bundle's root.path names it.
      assertEquals(spec.root?.path, `${new StateRoot(root.dir).container(id)}/merged`);
      assertEquals(mountRoots(pid).has("/"), true);
    } finally {
      Deno.removeSync(vol, { recursive: true });
    }
  });
});

Deno.test("run --debug: shows the bundle it wrote", async () => {
  await withRoot(async (root) => {
    const r = await root.run("--debug", "run", "--name", "shown", "busybox", "true");
    assertEquals(r.code, 0, r.stderr);
    const id = root.store().resolve("shown").id;
    assertStringIncludes(
      r.stderr,
      `OCI bundle written: ${new StateRoot(root.dir).container(id)}/bundle/config.json`,
    );
  });
});
