/**
 * dockergsh entry point. The same program is the CLI and, re-executed as
 * `dockergsh init`, each container's init: that path loads only what the
 * init needs (no CLI, no npm), since it runs on every container start.
 * `dockergsh monitor ROOT` is the process that starts detached containers
 * and records their exits (src/monitor/monitor.ts).
 *
 * Invoked as `dockergsh-runc` (a link `make` creates), or as
 * `dockergsh runc …`, it is the runc-compatible OCI runtime
 * (src/cli/runtime/main.ts). The self-extracting launcher passes that name
 * on as `runc`; a `deno compile` binary reads its argv[0] itself.
 *
 * @module
 */

/** The basename this executable was invoked by, when compiled (Deno.args has no argv[0]). */
function invokedName(): string {
  if (!Deno.build.standalone) return "";
  const argv0 = Deno.readTextFileSync("/proc/self/cmdline").split("\0")[0];
  return argv0.slice(argv0.lastIndexOf("/") + 1);
}

if (Deno.args[0] === "init") {
  const { containerInit } = await import("./src/process/init.ts");
  await containerInit();
} else if (Deno.args[0] === "monitor" && Deno.args.length === 2) {
  const { runMonitor } = await import("./src/monitor/monitor.ts");
  const { StateRoot } = await import("./src/store/paths.ts");
  await runMonitor(new StateRoot(Deno.args[1]));
} else if (Deno.args[0] === "runc" || invokedName() === "dockergsh-runc") {
  const { runtimeCli } = await import("./src/cli/runtime/main.ts");
  Deno.exit(await runtimeCli(Deno.args[0] === "runc" ? Deno.args.slice(1) : Deno.args));
} else {
  const { cli } = await import("./src/cli/main.ts");
  Deno.exit(await cli(Deno.args));
}
