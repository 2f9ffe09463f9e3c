/**
 * The few assertions the tests need (no @std/assert without jsr).
 * Thin names over node:assert/strict.
 *
 * @module
 */

import assert from "node:assert/strict";

/** Deep equality. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  assert.deepStrictEqual(actual, expected, msg);
}

/** Deep inequality. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  assert.notDeepStrictEqual(actual, expected, msg);
}

/** Truthiness. */
export function assert_(cond: unknown, msg?: string): asserts cond {
  assert.ok(cond, msg);
}
export { assert_ as assert };

/** `s` contains `part`. */
export function assertStringIncludes(s: string, part: string, msg?: string): void {
  assert.ok(
    s.includes(part),
    msg ?? `expected ${JSON.stringify(s)} to include ${JSON.stringify(part)}`,
  );
}

/** `s` matches `re`. */
export function assertMatch(s: string, re: RegExp, msg?: string): void {
  assert.ok(re.test(s), msg ?? `expected ${JSON.stringify(s)} to match ${re}`);
}

/** `fn` throws an error whose message matches `re`. */
export function assertThrows(fn: () => unknown, re: RegExp = /./): void {
  assert.throws(fn, re);
}
