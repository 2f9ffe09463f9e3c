/**
 * The kernel the CLI's commands call: libc's, each call printed under
 * `--debug`. src/cli/main.ts loads this only for a run that calls it, so a
 * plain `ps` loads neither the bindings nor the constants their trace names.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { traced } from "../kernel_trace.ts";

/** A LinuxKernel for one CLI run, traced when `--debug` is on. */
export function cliKernel(): Kernel {
  return traced(new LinuxKernel(), "cli");
}
