/**
 * `dockergsh images [-a] [-q] [--digests] [--no-trunc] [REPOSITORY[:TAG]]`:
 * Docker's REPOSITORY, TAG, (DIGEST,) IMAGE ID, CREATED, SIZE; rows as
 * Docker's CLI makes them: one per tag (per tag and digest of its
 * repository with `--digests`), a repository known only by digest as a
 * `<none>` tag, and `<none>` `<none>` for an image with neither.
 *
 * @module
 */

import { formatReference, tryParseReference } from "../../image/reference.ts";
import { type ImageRecord, ImageStore } from "../../image/store.ts";
import { shortId } from "../../store/ids.ts";
import type { Command } from "../command.ts";
import { humanSize, timeAgo } from "../_humanize.ts";
import { formatTable } from "../_table.ts";

const HEADERS = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];

interface Row {
  repository: string;
  tag: string;
  digest: string;
  image: ImageRecord;
}

/** The rows of `image`, as docker-cli's image formatter pairs tags and digests. */
function rows(image: ImageRecord, withDigests: boolean): Row[] {
  const tags = new Map<string, string[]>();
  for (const ref of image.repoTags) {
    const colon = ref.lastIndexOf(":");
    const repo = ref.slice(0, colon);
    tags.set(repo, [...(tags.get(repo) ?? []), ref.slice(colon + 1)]);
  }
  const digests = new Map<string, string[]>();
  for (const ref of image.repoDigests ?? []) {
    const at = ref.indexOf("@");
    const repo = ref.slice(0, at);
    digests.set(repo, [...(digests.get(repo) ?? []), ref.slice(at + 1)]);
  }
  const out: Row[] = [];
  for (const [repository, repoTags] of tags) {
    const repoDigests = withDigests ? digests.get(repository) ?? [] : [];
    digests.delete(repository);
    for (const tag of repoTags) {
      if (repoDigests.length === 0) out.push({ repository, tag, digest: "<none>", image });
      for (const digest of repoDigests) out.push({ repository, tag, digest, image });
    }
  }
  for (const [repository, repoDigests] of digests) {
    if (!withDigests) out.push({ repository, tag: "<none>", digest: "<none>", image });
    else for (const digest of repoDigests) out.push({ repository, tag: "<none>", digest, image });
  }
  if (out.length === 0) out.push({ repository: "<none>", tag: "<none>", digest: "<none>", image });
  return out;
}

/** Does row `r` match the `REPOSITORY[:TAG]` filter? (A filter without a tag matches every tag.) */
function matches(r: { repository: string; tag: string }, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  const wanted = tryParseReference(filter);
  if (!wanted) return false;
  if (!filter.slice(filter.lastIndexOf("/") + 1).includes(":")) {
    return r.repository === wanted.repository;
  }
  return `${r.repository}:${r.tag}` === formatReference(wanted);
}

/** The `images` command. */
export const command: Command = {
  name: "images",
  usage: "images [OPTIONS] [REPOSITORY[:TAG]]",
  summary: "List images",
  flags: [
    {
      long: "all",
      short: "a",
      kind: "bool",
      help: "Show all images (untagged ones are always shown)",
    },
    { long: "quiet", short: "q", kind: "bool", help: "Only show image IDs" },
    { long: "digests", kind: "bool", help: "Show digests" },
    { long: "no-trunc", kind: "bool", help: "Don't truncate output" },
  ],
  maxArgs: 1,
  run(ctx, flags) {
    const [filter] = flags.positionals;
    const noTrunc = flags.bools.has("no-trunc");
    const id = (full: string) => (noTrunc ? `sha256:${full}` : shortId(full));
    const now = new Date();
    const withDigests = flags.bools.has("digests");
    const all = new ImageStore(ctx.root).list().flatMap((image) => rows(image, withDigests))
      .filter((r) => matches(r, filter));
    if (flags.bools.has("quiet")) {
      for (const imageId of new Set(all.map((r) => id(r.image.id)))) console.log(imageId);
      return Promise.resolve(0);
    }
    console.log(formatTable(
      withDigests ? [...HEADERS.slice(0, 2), "DIGEST", ...HEADERS.slice(2)] : HEADERS,
      all.map((r) => [
        r.repository,
        r.tag,
        ...(withDigests ? [r.digest] : []),
        id(r.image.id),
        timeAgo(r.image.created, now),
        humanSize(r.image.size),
      ]),
    ));
    return Promise.resolve(0);
  },
};
