/**
 * `dockergsh commit [-m MSG] [-c INSTRUCTION] CONTAINER [REPOSITORY[:TAG]]`:
 * a new image from a container's filesystem (see
 * src/container/container_commit.ts); prints its ID. A running container is
 * paused meanwhile unless `--pause=false`, as Docker's.
 *
 * @module
 */

import { commitContainer } from "../../container/container_commit.ts";
import { eventSubject } from "../../container/events.ts";
import { pauseContainer, unpauseContainer } from "../../container/container_pause.ts";
import { ContainerStore } from "../../container/store.ts";
import { recordEvent } from "../../events/events.ts";
import { formatReference, parseReference } from "../../image/reference.ts";
import type { Command } from "../command.ts";
import { applyChanges, IMAGE_CHANGE_FLAGS } from "../_commit_changes.ts";

/** The `commit` command. */
export const command: Command = {
  name: "commit",
  usage: "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  summary: "Create a new image from a container's changes",
  flags: [
    ...IMAGE_CHANGE_FLAGS,
    {
      long: "author",
      short: "a",
      kind: "string",
      help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    },
    {
      long: "pause",
      short: "p",
      kind: "bool",
      defaultValue: "true",
      help: "Pause container during commit",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, flags) {
    const [ref, repo] = flags.positionals;
    const record = new ContainerStore(ctx.root).resolve(ref);
    const cfg = record.config;
    const config = applyChanges({
      cmd: cfg.cmd,
      ...(cfg.entrypoint?.length ? { entrypoint: cfg.entrypoint } : {}),
      ...(cfg.labels && Object.keys(cfg.labels).length ? { labels: cfg.labels } : {}),
      // HOSTNAME is the old container's identity, set afresh for every container.
      env: cfg.env.filter((e) => !e.startsWith("HOSTNAME=")),
      workingDir: cfg.workingDir,
      // Docker: the container's user (`-u`, or the image's) is the new image's USER.
      ...(cfg.security?.user ? { user: cfg.security.user } : {}),
    }, flags.lists.get("change") ?? []);
    // Docker: a running container is frozen while its layer is read (events pause, commit, unpause).
    const store = new ContainerStore(ctx.root);
    const pause = flags.bools.has("pause") && record.state.status === "running" &&
      !record.state.paused;
    if (pause) await pauseContainer(ctx.root, record);
    let image;
    try {
      image = await commitContainer(ctx.root, ctx.kernel, record, repo, {
        comment: flags.strings.get("message"),
        author: flags.strings.get("author"),
        config,
      });
      // Docker's container event, with what was made (its attributes are there even when empty).
      recordEvent(ctx.root, "commit", eventSubject(record), {
        comment: flags.strings.get("message") ?? "",
        imageID: `sha256:${image.id}`,
        imageRef: repo ? formatReference(parseReference(repo)) : "",
      });
    } finally {
      const now = pause ? store.load(record.id) : undefined;
      if (now?.state.status === "running" && now.state.paused) unpauseContainer(ctx.root, now);
    }
    console.log(`sha256:${image.id}`);
    return 0;
  },
};
