/**
 * The engine's confinement is all in the bundle it writes: the container's
 * seccomp filter is `linux.seccomp` of `<container>/bundle/config.json`
 * (Docker's default profile resolved for its capabilities, the user's
 * profile, none when unconfined or privileged), and the runtime compiles
 * what the file says. Checked from the file and from the kernel
 * (/proc/<pid>/status, a syscall the filter denies).
 */

import { DEFAULT_CAPABILITIES } from "../../src/oci/defaults.ts";
import { dockerDefaultSeccomp } from "../../src/oci/seccomp_profile.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { seccompFromUserProfile } from "../../src/container/container_spec.ts";
import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "../_assert.ts";
import { type TestRoot, withRoot } from "../_harness.ts";

/** `run -d NAME …flags busybox sleep 60`: its bundle's config.json and its init's PID. */
async function started(root: TestRoot, name: string, ...flags: string[]) {
  const r = await root.run("run", "-d", "--name", name, ...flags, "busybox", "sleep", "60");
  assertEquals(r.code, 0, r.stderr);
  const { id, state } = root.store().resolve(name);
  const spec: Spec = JSON.parse(
    Deno.readTextFileSync(`${root.dir}/containers/${id}/bundle/config.json`),
  );
  return { spec, pid: state.pid };
}

function seccompMode(pid: number): string {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return /^Seccomp:\s*(\d)/m.exec(status)?.[1] ?? "";
}

Deno.test("bundle: config.json holds the container's seccomp filter, which the kernel applies", async () => {
  await withRoot(async (root) => {
    const def = await started(root, "def");
    assertEquals(def.spec.linux?.seccomp, dockerDefaultSeccomp(DEFAULT_CAPABILITIES));
    assertEquals(seccompMode(def.pid), "2");
    // A user namespace needs no capability: only the filter stands in the way.
    const denied = await root.run("exec", "def", "unshare", "-U", "true");
    assertEquals(denied.code, 1, denied.stdout);
    assertStringIncludes(denied.stderr, "Operation not permitted");
    const allowed = await root.run("exec", "def", "mkdir", "/tmp/d");
    assertEquals(allowed.code, 0, allowed.stderr);

    // Resolved for the container's capabilities: CAP_SYS_ADMIN keeps the calls it needs.
    const admin = await started(root, "admin", "--cap-add", "SYS_ADMIN");
    const adminFilter = dockerDefaultSeccomp([...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"]);
    assertEquals(admin.spec.linux?.seccomp, adminFilter);
    assertNotEquals(adminFilter, def.spec.linux?.seccomp);

    const unconfined = await started(root, "unc", "--security-opt", "seccomp=unconfined");
    assertEquals(unconfined.spec.linux?.seccomp, undefined);
    assertEquals(seccompMode(unconfined.pid), "0");
    const privileged = await started(root, "priv", "--privileged");
    assertEquals(privileged.spec.linux?.seccomp, undefined);
    assertEquals(seccompMode(privileged.pid), "0");

    const profile = `${root.dir}/profile.json`;
    const json = JSON.stringify({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }],
    });
    Deno.writeTextFileSync(profile, json);
    const own = await started(root, "own", "--security-opt", `seccomp=${profile}`);
    assertEquals(own.spec.linux?.seccomp, await seccompFromUserProfile(json, DEFAULT_CAPABILITIES));
    assertEquals(seccompMode(own.pid), "2");
    const mkdir = await root.run("exec", "own", "mkdir", "/tmp/d");
    assertEquals(mkdir.code, 1);
    assertStringIncludes(mkdir.stderr, "Permission denied");
    assert((await root.run("exec", "own", "unshare", "-U", "true")).code === 0);
  });
});
