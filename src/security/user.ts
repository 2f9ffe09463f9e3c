/**
 * Docker's `-u/--user NAME|UID[:GROUP|GID]` and `--group-add`, resolved in
 * the container's own /etc/passwd and /etc/group. The init reads those
 * files after pivot_root, so a symlink in the image can only ever lead to
 * another file of the container.
 *
 * @module
 */

import type { User } from "../oci/spec.ts";

/** One line of /etc/passwd. */
interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** One line of /etc/group. */
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** A resolved user: the OCI `process.user` and the home directory for HOME. */
export interface ResolvedUser {
  user: User;
  home: string;
}

const NUMERIC = /^[0-9]+$/;

function fields(text: string): string[][] {
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) =>
    l.split(":")
  );
}

function parsePasswd(text: string): PasswdEntry[] {
  return fields(text).filter((f) => f.length >= 7).map((f) => ({
    name: f[0],
    uid: Number(f[2]),
    gid: Number(f[3]),
    home: f[5],
  }));
}

function parseGroup(text: string): GroupEntry[] {
  return fields(text).filter((f) => f.length >= 4).map((f) => ({
    name: f[0],
    gid: Number(f[2]),
    members: f[3].split(",").filter((m) => m !== ""),
  }));
}

/** A 32-bit ID from its decimal text; throws on one out of range. */
function parseId(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > 0xfffffffe) {
    throw new Error(`${what} ${text} is out of range`);
  }
  return n;
}

function findGroup(groups: readonly GroupEntry[], spec: string): number {
  const byName = groups.find((g) => g.name === spec);
  if (byName) return byName.gid;
  if (NUMERIC.test(spec)) return parseId(spec, "gid");
  throw new Error(`unable to find group ${spec}: no matching entries in group file`);
}

/**
 * Resolves `spec` (`""` is root) and `groupAdd` against the container's
 * passwd and group files (their text; "" when the image has none), as
 * Docker does: a numeric user without an entry runs with gid 0 and home
 * "/"; without a group in `spec`, the user's own group and the groups that
 * list it as a member apply.
 */
export function resolveUser(
  spec: string,
  groupAdd: readonly string[],
  passwdText: string,
  groupText: string,
): ResolvedUser {
  const [userPart, groupPart] = spec === "" ? ["0", undefined] : spec.split(":", 2);
  if (userPart === "") throw new Error(`invalid user ${JSON.stringify(spec)}`);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const entry = passwd.find((p) => p.name === userPart) ??
    (NUMERIC.test(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : undefined);
  if (!entry && !NUMERIC.test(userPart)) {
    throw new Error(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  const uid = entry?.uid ?? parseId(userPart, "uid");
  let gid = entry?.gid ?? 0;
  const additional: number[] = [];
  if (groupPart !== undefined && groupPart !== "") {
    gid = findGroup(groups, groupPart);
  } else if (entry) {
    for (const g of groups) if (g.members.includes(entry.name)) additional.push(g.gid);
  }
  for (const g of groupAdd) additional.push(findGroup(groups, g));
  const additionalGids = [...new Set(additional)].filter((g) => g !== gid);
  return {
    user: { uid, gid, additionalGids: [gid, ...additionalGids] },
    home: entry?.home || "/",
  };
}
