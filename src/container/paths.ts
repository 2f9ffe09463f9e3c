/**
 * Where a container's files are, under its directory in the state root:
 * its layers, the engine's /etc files, its logs, its bundle. Alone in
 * its module, since every command that reads a container needs it and
 * none of what creating one does.
 *
 * @module
 */

import type { StateRoot } from "../store/paths.ts";

/** Paths inside a container's directory. */
export function containerPaths(root: StateRoot, id: string) {
  const dir = root.container(id);
  return {
    dir,
    upper: `${dir}/upper`,
    work: `${dir}/work`,
    merged: `${dir}/merged`,
    hostname: `${dir}/hostname`,
    hosts: `${dir}/hosts`,
    resolvConf: `${dir}/resolv.conf`,
    /** stdout of the container (and, in logs written before streams were kept apart, stderr). */
    log: `${dir}/container.log`,
    stderrLog: `${dir}/container-stderr.log`,
    /** When the log files grew to which size (see src/container/_log_files.ts). */
    logIndex: `${dir}/container-log.idx`,
    /** The OCI bundle each start writes (`config.json`; its root is `merged`). */
    bundle: `${dir}/bundle`,
    /** Where `run -t` mounts the container's devpts instance until the container has it. */
    devpts: `${dir}/devpts`,
  };
}
