/**
 * C string and `char*[]` marshalling for FFI calls.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A NUL-terminated copy of `s`, or null for a NULL pointer. */
export function cstr(s: string | null): Uint8Array<ArrayBuffer> | null {
  if (s === null) return null;
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * A NULL-terminated array of C strings (`argv`, `envp`). The returned
 * `keep` list holds the string buffers: it must stay reachable until the
 * call that uses `array` has returned, or the GC may free them.
 */
export function cstrArray(
  items: readonly string[],
): { array: BigUint64Array<ArrayBuffer>; keep: Uint8Array[] } {
  const keep = items.map((s) => cstr(s)!);
  const array = new BigUint64Array(keep.length + 1);
  keep.forEach((buf, i) => {
    array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
  });
  array[keep.length] = 0n;
  return { array, keep };
}
