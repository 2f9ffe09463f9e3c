/**
 * Where dockergsh keeps its state. Everything lives under one root
 * (default `/var/lib/dockergsh`, overridden by `--root` or `DOCKERGSH_ROOT`):
 *
 *     <root>/containers/<id>/config.json   container record
 *     <root>/containers/<id>/{upper,work,merged}  overlay layers
 *     <root>/images/<id>/image.json               an image: its layers and config
 *     <root>/layers/<sha256>/                     a layer's files, by diff ID
 *     <root>/images/repositories.json             NAME:TAG → image id
 *     <root>/images/.deleting-<id>                an image being deleted (swept)
 *     <root>/networks/…                           networks and IPAM
 *     <root>/locks/<name>.lock                    cross-process locks
 *     <root>/seccomp/<sha256>.bpf                 compiled seccomp programs
 *     <root>/seccomp/<sha256>.json                containers' seccomp profiles, OCI form
 *
 * Every command requires the root to be private first (private_root.ts).
 *
 * @module
 */

/** The default state root, as Docker's `/var/lib/docker`. */
export const DEFAULT_ROOT = "/var/lib/dockergsh";

/** Paths of one state root. */
export class StateRoot {
  constructor(readonly root: string) {}

  get containers(): string {
    return `${this.root}/containers`;
  }
  container(id: string): string {
    return `${this.root}/containers/${id}`;
  }
  get images(): string {
    return `${this.root}/images`;
  }
  image(id: string): string {
    return `${this.root}/images/${id}`;
  }
  /** Layers, each a directory named by its diff ID's hex (sha256 of its uncompressed tar). */
  get layers(): string {
    return `${this.root}/layers`;
  }
  get networks(): string {
    return `${this.root}/networks`;
  }
  /**
   * Seccomp programs compiled by libseccomp, and containers' profiles in
   * OCI form, by the sha256 of what they were made from.
   */
  get seccompPrograms(): string {
    return `${this.root}/seccomp`;
  }
  lock(name: string): string {
    return `${this.root}/locks/${name}.lock`;
  }
}

/**
 * The state root from `--root`, else `DOCKERGSH_ROOT`, else the default.
 * Made absolute so that paths survive a chdir.
 */
export function resolveRoot(flag?: string): StateRoot {
  const raw = flag ?? Deno.env.get("DOCKERGSH_ROOT") ?? DEFAULT_ROOT;
  const abs = raw.startsWith("/") ? raw : `${Deno.cwd()}/${raw}`;
  return new StateRoot(abs.replace(/\/+$/, "") || "/");
}
