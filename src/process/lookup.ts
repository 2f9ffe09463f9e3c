/**
 * Finding the user's command inside the container, as execvp(3) would, but
 * with Docker's exit codes: 127 when it does not exist, 126 when it exists
 * and cannot be run.
 *
 * @module
 */

import { ExitCode } from "../errors.ts";
import type { InitFailure } from "./init_config.ts";

/** Docker's default PATH for a container whose env has none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function executable(path: string): "ok" | "missing" | "denied" {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return "missing";
  }
  if (info.isDirectory || ((info.mode ?? 0) & 0o111) === 0) return "denied";
  return "ok";
}

/**
 * The path to execve for `name`, searching PATH from `env` when `name` has
 * no slash; or the failure to report.
 */
export function lookupCommand(
  name: string,
  env: readonly string[],
): { path: string } | { failure: InitFailure } {
  if (name.includes("/")) {
    const state = executable(name);
    if (state === "ok") return { path: name };
    return {
      failure: state === "missing"
        ? {
          message: `exec: "${name}": stat ${name}: no such file or directory`,
          exitCode: ExitCode.NOT_FOUND,
        }
        : { message: `exec: "${name}": permission denied`, exitCode: ExitCode.CANNOT_INVOKE },
    };
  }
  const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  let denied: string | undefined;
  for (const dir of pathVar.split(":")) {
    const candidate = `${dir || "."}/${name}`;
    const state = executable(candidate);
    if (state === "ok") return { path: candidate };
    if (state === "denied") denied ??= candidate;
  }
  if (denied) {
    return {
      failure: { message: `exec: "${name}": permission denied`, exitCode: ExitCode.CANNOT_INVOKE },
    };
  }
  return {
    failure: {
      message: `exec: "${name}": executable file not found in $PATH`,
      exitCode: ExitCode.NOT_FOUND,
    },
  };
}
