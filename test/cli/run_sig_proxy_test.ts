/**
 * An attached `run` passes the signals it gets on to the container's PID 1
 * (Docker's --sig-proxy), from the moment the command runs to its exit.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { withRoot } from "../_harness.ts";

Deno.test("run: a SIGTERM to the CLI reaches PID 1's handler; the run ends with its exit code", async () => {
  await withRoot(async (root) => {
    const script = 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done';
    const argv = root.argv("run", "--rm", "busybox", "sh", "-c", script);
    const cli = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = cli.stdout.getReader();
    let out = "";
    while (!out.includes("ready\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    assertEquals(out, "ready\n");
    cli.kill("SIGTERM");
    reader.releaseLock();
    await cli.stdout.pipeTo(new WritableStream());
    // Not the CLI killed by the signal (143): the container's trap chose the code.
    assertEquals((await cli.status).code, 42);
    assertEquals([...Deno.readDirSync(`${root.dir}/containers`)], []);
  });
});
