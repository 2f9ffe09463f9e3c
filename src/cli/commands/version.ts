/**
 * `dockergsh version [--format T]`: Docker's two sections. Client and
 * engine are this one program, so both say the same; where Docker names
 * its Go toolchain this names the Deno runtime, and the runtime component
 * (Docker's runc) is dockergsh's own init.
 *
 * @module
 */

import type { Command } from "../command.ts";
import { compileFormat } from "../_format_output.ts";
import { buildKind, VERSION } from "../version.ts";

/** Docker's GOARCH names for Deno's architectures. */
const ARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

/** The object `--format` templates see, in Docker's shape. */
export function versionInfo() {
  const arch = ARCH[Deno.build.arch] ?? Deno.build.arch;
  return {
    Client: {
      Platform: { Name: "dockergsh" },
      Version: VERSION,
      DenoVersion: Deno.version.deno,
      Build: buildKind(),
      Os: Deno.build.os,
      Arch: arch,
      Context: "default",
      Experimental: false,
    },
    Server: {
      Platform: { Name: "dockergsh" },
      Components: [{ Name: "Engine", Version: VERSION }],
      Version: VERSION,
      DenoVersion: Deno.version.deno,
      Os: Deno.build.os,
      Arch: arch,
      KernelVersion: Deno.osRelease(),
      Experimental: false,
    },
  };
}

/** Docker's text layout: labels padded to one column. */
function text(v: ReturnType<typeof versionInfo>): string {
  const row = (indent: string, label: string, value: string) =>
    `${indent}${`${label}:`.padEnd(indent.length === 1 ? 19 : 18)}${value}`;
  return [
    "Client:",
    row(" ", "Version", v.Client.Version),
    row(" ", "Deno version", v.Client.DenoVersion),
    row(" ", "Build", v.Client.Build),
    row(" ", "OS/Arch", `${v.Client.Os}/${v.Client.Arch}`),
    row(" ", "Context", v.Client.Context),
    row(" ", "Experimental", String(v.Client.Experimental)),
    "",
    "Server:",
    " Engine:",
    row("  ", "Version", v.Server.Version),
    row("  ", "Deno version", v.Server.DenoVersion),
    row("  ", "OS/Arch", `${v.Server.Os}/${v.Server.Arch}`),
    row("  ", "Kernel version", v.Server.KernelVersion),
    row("  ", "Experimental", String(v.Server.Experimental)),
  ].join("\n");
}

/** The `version` command. */
export const command: Command = {
  name: "version",
  usage: "version [OPTIONS]",
  summary: "Show the Docker version information",
  flags: [{
    long: "format",
    short: "f",
    kind: "string",
    help: "Format the output using the given Go template",
  }],
  maxArgs: 0,
  run(_ctx, flags) {
    const format = flags.strings.get("format");
    const info = versionInfo();
    const render = format === undefined
      ? text
      : compileFormat(format, {}, "template parsing error", 64);
    console.log(render(info));
    return Promise.resolve(0);
  },
};
