import { assertEquals } from "../_assert.ts";
import { secureJoin } from "../../src/rootfs/secure_join.ts";

Deno.test("secureJoin: symlinks resolve inside the root, never out of it", () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-sj-" });
  try {
    Deno.mkdirSync(`${root}/real/sub`, { recursive: true });
    Deno.symlinkSync("/etc", `${root}/abs`); // absolute: restarts at the root
    Deno.symlinkSync("../../../../..", `${root}/up`); // climbs: stops at the root
    Deno.symlinkSync("real", `${root}/rel`);
    Deno.symlinkSync("/loop2", `${root}/loop1`);
    Deno.symlinkSync("/loop1", `${root}/loop2`);
    assertEquals(secureJoin(root, "/abs/passwd"), `${root}/etc/passwd`);
    assertEquals(secureJoin(root, "/up/etc"), `${root}/etc`);
    assertEquals(secureJoin(root, "/rel/sub/../x"), `${root}/real/x`);
    assertEquals(secureJoin(root, "/../../x"), `${root}/x`);
    assertEquals(secureJoin(root, "/"), root);
    let threw = false;
    try {
      secureJoin(root, "/loop1/x");
    } catch {
      threw = true;
    }
    assertEquals(threw, true);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
