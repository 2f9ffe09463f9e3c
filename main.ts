/**
 * dockergsh entry point. The same program is the CLI and, re-executed as
 * `dockergsh init`, each container's init: that path loads only what the
 * init needs (no CLI, no npm), since it runs on every container start.
 * `dockergsh monitor ROOT` is the process that starts detached containers
 * and records their exits (src/monitor/monitor.ts).
 *
 * @module
 */

if (Deno.args[0] === "init") {
  const { containerInit } = await import("./src/process/init.ts");
  containerInit();
} else if (Deno.args[0] === "monitor" && Deno.args.length === 2) {
  const { runMonitor } = await import("./src/monitor/monitor.ts");
  const { StateRoot } = await import("./src/store/paths.ts");
  await runMonitor(new StateRoot(Deno.args[1]));
} else {
  const { cli } = await import("./src/cli/main.ts");
  Deno.exit(await cli(Deno.args));
}
