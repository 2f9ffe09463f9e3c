/**
 * Docker-style random container names: `adjective_surname`, where the
 * surnames honour people who shaped computing and operating systems.
 *
 * @module
 */

const ADJECTIVES = [
  "admiring",
  "agitated",
  "amazing",
  "awesome",
  "blissful",
  "bold",
  "brave",
  "busy",
  "clever",
  "cool",
  "dazzling",
  "determined",
  "eager",
  "ecstatic",
  "elegant",
  "epic",
  "fervent",
  "focused",
  "friendly",
  "gallant",
  "gifted",
  "happy",
  "hopeful",
  "jolly",
  "keen",
  "kind",
  "laughing",
  "lucid",
  "modest",
  "nifty",
  "optimistic",
  "peaceful",
  "priceless",
  "quirky",
  "relaxed",
  "serene",
  "sharp",
  "stoic",
  "sweet",
  "tender",
  "trusting",
  "vibrant",
  "wizardly",
  "xenodochial",
  "youthful",
  "zealous",
];

const SURNAMES = [
  "allen",
  "babbage",
  "backus",
  "bell",
  "borg",
  "cerf",
  "corbato",
  "cray",
  "dijkstra",
  "engelbart",
  "hamilton",
  "hopper",
  "kahan",
  "kay",
  "kernighan",
  "knuth",
  "lamport",
  "liskov",
  "lovelace",
  "mccarthy",
  "mcilroy",
  "minsky",
  "moore",
  "neumann",
  "noyce",
  "ossanna",
  "perlman",
  "pike",
  "ritchie",
  "shannon",
  "sinoussi",
  "stallman",
  "thompson",
  "torvalds",
  "turing",
  "wirth",
  "wozniak",
];

function pick<T>(list: readonly T[]): T {
  return list[crypto.getRandomValues(new Uint32Array(1))[0] % list.length];
}

/** A random name not in `taken` (a digit is appended after collisions). */
export function randomName(taken: ReadonlySet<string>): string {
  for (let attempt = 0;; attempt++) {
    const base = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
    const name = attempt < 10 ? base : `${base}${attempt}`;
    if (!taken.has(name)) return name;
  }
}
