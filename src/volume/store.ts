/**
 * Volumes of the local driver, as Docker keeps them: `<root>/volumes/<name>/_data`
 * is the directory containers mount, `<root>/volumes/<name>/volume.json`
 * what `volume inspect` shows. A name is checked (name.ts) before it
 * becomes a path. A volume is made whole in a temporary directory and
 * renamed into place, so a crash leaves either no volume or a whole one.
 *
 * Which containers use a volume is read from their records (the one
 * truth, see src/container/volume_mounts.ts): a volume is in use while a
 * container record mounts it. Creating or removing a volume, and creating
 * a container that mounts volumes, happen under the `volumes` lock, so
 * `volume rm` never removes one a container is being made with. What a
 * crash left half made or half removed (`.new-*`, `.deleting-*`, never
 * listed) is swept under that lock.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { readJson, writeJsonAtomic } from "../store/atomic.ts";
import { newId } from "../store/ids.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { checkVolumeName, isVolumeName } from "./name.ts";

/** What is stored of a volume. */
export interface VolumeRecord {
  name: string;
  createdAt: string;
  labels: Record<string, string> | null;
  /** Made for one container's `-v /path` (removed with it by `rm -v`). */
  anonymous: boolean;
}

/** The lock taken for volume changes and for creating containers that mount volumes. */
const VOLUMES_LOCK = "volumes";

/** Docker's RFC 3339 time in whole seconds. */
function dockerTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The local volumes of one state root. */
export class VolumeStore {
  constructor(private readonly root: StateRoot) {}

  /** `<root>/volumes`. */
  get dir(): string {
    return `${this.root.root}/volumes`;
  }

  /** The directory containers mount for volume `name` (a checked name). */
  dataPath(name: string): string {
    checkVolumeName(name);
    return `${this.dir}/${name}/_data`;
  }

  /** The record of `name`, or undefined when there is no such volume. */
  load(name: string): VolumeRecord | undefined {
    if (!isVolumeName(name)) return undefined;
    return readJson<VolumeRecord>(`${this.dir}/${name}/volume.json`);
  }

  /** The record of `name`, or Docker's error. */
  get(name: string): VolumeRecord {
    const rec = this.load(name);
    if (!rec) throw new UserError(`Error: No such volume: ${name}`, 1);
    return rec;
  }

  /** Every volume, by name. */
  list(): VolumeRecord[] {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(this.dir)];
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    return entries.filter((e) => e.isDirectory && isVolumeName(e.name))
      .map((e) => this.load(e.name))
      .filter((v): v is VolumeRecord => v !== undefined)
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  /**
   * Volume `name` (a new 64-hex name when undefined), made when missing;
   * an existing one is returned as it is, as Docker does. The caller holds
   * the volumes lock (see `locked`).
   */
  ensure(
    name: string | undefined,
    labels: Record<string, string> | null,
    anonymous = false,
  ): VolumeRecord {
    const volumeName = name ?? newId();
    checkVolumeName(volumeName);
    const existing = this.load(volumeName);
    if (existing) return existing;
    Deno.mkdirSync(this.dir, { recursive: true, mode: 0o701 });
    const tmp = `${this.dir}/.new-${newId()}`;
    const rec: VolumeRecord = {
      name: volumeName,
      createdAt: dockerTime(new Date()),
      labels,
      anonymous,
    };
    try {
      Deno.mkdirSync(tmp, { mode: 0o701 });
      Deno.mkdirSync(`${tmp}/_data`, { mode: 0o755 });
      Deno.chmodSync(`${tmp}/_data`, 0o755); // the umask does not decide what containers see
      writeJsonAtomic(`${tmp}/volume.json`, rec);
      Deno.renameSync(tmp, `${this.dir}/${volumeName}`);
    } catch (err) {
      Deno.removeSync(tmp, { recursive: true });
      throw err;
    }
    return rec;
  }

  /** Runs `fn` under the volumes lock, after sweeping what a crash left. */
  locked<T>(fn: () => T): T {
    return withLock(this.root, VOLUMES_LOCK, () => {
      this.sweep();
      return fn();
    });
  }

  private sweep(): void {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(this.dir)];
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith(".new-") || e.name.startsWith(".deleting-")) {
        Deno.removeSync(`${this.dir}/${e.name}`, { recursive: true });
      }
    }
  }

  /**
   * Removes volume `name`, under the volumes lock; refused with Docker's
   * words while `usersOf(name)` (container IDs) is not empty. Its files go
   * first out of sight (renamed), then away.
   */
  remove(name: string, usersOf: (name: string) => string[]): void {
    this.locked(() => {
      this.get(name);
      const users = usersOf(name);
      if (users.length > 0) {
        throw new UserError(
          `Error response from daemon: remove ${name}: volume is in use - [${users.join(" ")}]`,
          1,
        );
      }
      this.removeUnlocked(name);
    });
  }

  /** Removes volume `name` (checked) when it exists; the caller holds the volumes lock. */
  removeUnlocked(name: string): void {
    checkVolumeName(name);
    const gone = `${this.dir}/.deleting-${newId()}`;
    try {
      Deno.renameSync(`${this.dir}/${name}`, gone);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    Deno.removeSync(gone, { recursive: true });
  }
}
