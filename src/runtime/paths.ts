/**
 * Where the runtime keeps its containers: `<root>/<id>/` (root-only), with
 * `state.json` (written atomically), `exec.fifo` (while created, not yet
 * started) and `lock`. The ID is checked (runc's rule) before it becomes
 * a path. Compiled seccomp programs are kept in `<root>/@seccomp/`: no ID
 * has an `@`, so no container's directory can be it.
 *
 * @module
 */

import { privateDirProblem } from "../store/private_root.ts";
import { RuntimeError } from "./errors.ts";

/** runc's default is /run/runc; this runtime's own, so the two never share state. */
export const DEFAULT_RUNTIME_ROOT = "/run/dockergsh-runc";

/** runc's ID rule: word characters, `+`, `-` and `.`, but not `.` or `..`. */
const ID = /^[\w+.-]+$/;

/** Throws unless `id` may name a container (and so a directory). */
export function checkId(id: string): void {
  if (!ID.test(id) || id === "." || id === ".." || id.length > 1024) {
    throw new RuntimeError(`invalid container id format: ${JSON.stringify(id)}`);
  }
}

/** One container's files. */
export interface ContainerPaths {
  dir: string;
  state: string;
  fifo: string;
  lock: string;
}

/** The runtime's state directory (`--root`). */
export class RuntimeRoot {
  constructor(readonly dir: string) {}

  /** Makes the root directory (mode 0700) when it does not exist. */
  ensure(): void {
    Deno.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.checkPrivate();
  }

  /**
   * Refuses a root another user could write: what is in it is run as root
   * (a container's hooks, from its state.json; its seccomp programs). One
   * that does not exist yet holds nothing to trust.
   */
  checkPrivate(): void {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(this.dir);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    const why = privateDirProblem(info);
    if (why !== undefined) {
      throw new RuntimeError(
        `refusing the state directory ${this.dir} (--root): ${why} (it must be a directory of root that neither group nor others can write)`,
      );
    }
  }

  /** Where compiled seccomp programs are kept (see seccomp_cache.ts). */
  get seccompCache(): string {
    return `${this.dir}/@seccomp`;
  }

  /** The files of container `id` (checked). */
  container(id: string): ContainerPaths {
    checkId(id);
    const dir = `${this.dir}/${id}`;
    return { dir, state: `${dir}/state.json`, fifo: `${dir}/exec.fifo`, lock: `${dir}/lock` };
  }

  /** The IDs of every container directory under the root. */
  ids(): string[] {
    const out: string[] = [];
    try {
      for (const e of Deno.readDirSync(this.dir)) {
        if (e.isDirectory && ID.test(e.name)) out.push(e.name);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out.sort();
  }
}
