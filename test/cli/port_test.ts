/**
 * port. Docker 20.10 here (whose peer daemon has no bridge) printed
 * nothing, exit 0, for a `--network none` container with `-p`, and
 * "Error: No public port '80/tcp' published for C" (also for 81,
 * 90/udp, 80/xyz), exit 1. A published port's lines follow docker-cli's
 * format, `80/tcp -> 0.0.0.0:8080` and, for one port, `0.0.0.0:8080`;
 * checked here on a bridge network of the test's own subnet.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("port: published ports of a running container on a network; Docker's error otherwise", async () => {
  await withRoot(async (root) => {
    const net = await root.run("network", "create", "--subnet", "10.218.78.0/24", "cmdsport");
    assertEquals(net.code, 0, net.stderr);
    const run = await root.run(
      "run",
      "-d",
      "--net",
      "cmdsport",
      "--name",
      "pp",
      "-p",
      "127.0.0.1:18480:80",
      "-p",
      "18490:90/udp",
      "busybox",
      "sleep",
      "100",
    );
    assertEquals(run.code, 0, run.stderr);
    const all = await root.run("port", "pp");
    assertEquals([all.code, all.stdout], [
      0,
      "80/tcp -> 127.0.0.1:18480\n90/udp -> 0.0.0.0:18490\n",
    ]);
    assertEquals((await root.run("port", "pp", "80")).stdout, "127.0.0.1:18480\n");
    assertEquals((await root.run("port", "pp", "90/udp")).stdout, "0.0.0.0:18490\n");
    for (const [ask, shown] of [["81", "81/tcp"], ["90", "90/tcp"], ["80/xyz", "80/xyz"]]) {
      const r = await root.run("port", "pp", ask);
      assertEquals([r.code, r.stderr], [1, `Error: No public port '${shown}' published for pp\n`]);
    }
    // Stopped: nothing published any more (Docker's NetworkSettings.Ports is empty).
    assertEquals((await root.run("stop", "-t", "0", "pp")).code, 0);
    assertEquals(await root.run("port", "pp"), { code: 0, stdout: "", stderr: "" });
  });
});
