/**
 * The kernel the CLI's commands call: libc's, each call printed under
 * `--debug`. src/cli/main.ts loads this only for a run that calls it, so a
 * plain `ps` loads neither the bindings nor the constants their trace names.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { debugEnabled } from "../debug.ts";

/**
 * A LinuxKernel for one CLI run, traced when `--debug` is on (the trace's
 * module is loaded only then).
 */
export async function cliKernel(): Promise<Kernel> {
  if (!debugEnabled()) return new LinuxKernel();
  return (await import("../kernel_trace.ts")).traced(new LinuxKernel(), "cli");
}
