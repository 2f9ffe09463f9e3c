/**
 * containerd runs a task in a user namespace through dockergsh-runc, as a
 * Kubernetes node would for a pod with `hostUsers: false`: config.json
 * has a user namespace and its maps; the task's root is 100000 on the
 * host, an exec in it is root inside, and the task dies and is deleted as
 * any other.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { runContainerdScenario } from "./_containerd.ts";

Deno.test("containerd runs a task in a user namespace through dockergsh-runc", async () => {
  const { code, seen, why } = await runContainerdScenario("userns", "dgsh-userns");
  assertEquals(code, 0, why);
  assertEquals(seen.get("started"), "RUNNING", why);
  assertEquals(seen.get("uid-map"), "0 100000 65536", why);
  assertEquals(seen.get("host-uid"), "100000", why);
  assertEquals(seen.get("user-ns"), "own", why);
  assertEquals(seen.get("exec"), "0", why);
  assertEquals(seen.get("killed"), "STOPPED", why);
  assertEquals([seen.get("delete-rc"), seen.get("container-delete-rc")], ["0", "0"], why);
});
