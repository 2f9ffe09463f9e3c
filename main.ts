/**
 * dockergsh entry point. The same program is the CLI and, re-executed as
 * `dockergsh init`, each container's init: that path loads only what the
 * init needs (no CLI, no npm), since it runs on every container start.
 *
 * @module
 */

if (Deno.args[0] === "init") {
  const { containerInit } = await import("./src/process/init.ts");
  containerInit();
} else {
  const { cli } = await import("./src/cli/main.ts");
  Deno.exit(await cli(Deno.args));
}
