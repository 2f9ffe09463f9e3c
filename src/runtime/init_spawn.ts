/**
 * The first step of a container's launch, apart from the rest so that a
 * caller can take it before it loads anything else: the init (this program
 * re-executed) spawned in the namespaces `linux.namespaces` asks for,
 * blocked until it gets its job. Its Deno start-up, the longest step of a
 * start, then overlaps all the caller does before `launchContainer`.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { Spec } from "../oci/spec.ts";
import {
  type NamespacePlan,
  type SpawnedInit,
  spawnPlannedInit,
  type SpawnStdio,
  stopperOf,
} from "../process/spawn_init.ts";
import type { UndoStack } from "../_undo.ts";
import { planNamespaces } from "./namespace_plan.ts";

/** A container's init, spawned in its namespaces, waiting for its job. */
export interface ContainerInit {
  spawned: SpawnedInit;
  /** The namespaces it was spawned in: the bundle's must be these. */
  plan: NamespacePlan;
  /** Kills it and waits for it (once, however often called). */
  stop: () => Promise<void>;
}

/**
 * Spawns the init of a container with `spec`'s `linux.namespaces`, its fds
 * 0-2 `stdio`; pushes its stop on `undo` when given (else the caller stops
 * it on failure). `dockergsh run` spawns it before it has looked up the
 * image or made the container.
 */
export function spawnContainerInit(
  kernel: Kernel,
  spec: Pick<Spec, "linux">,
  stdio: SpawnStdio,
  undo?: UndoStack,
): ContainerInit {
  const plan = planNamespaces(spec);
  const spawned = spawnPlannedInit(kernel, plan, stdio);
  const stop = stopperOf(kernel, spawned);
  undo?.push(stop);
  debug("create", `init is pid ${spawned.pid} in the host's PID namespace`);
  return { spawned, plan, stop };
}
