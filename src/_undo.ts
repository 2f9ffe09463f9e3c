/**
 * Undoing what a failed operation made. A stack of undo steps runs
 * last-in first-out; every step runs even when an earlier one throws, and
 * the caller's error stays the one reported, with what could not be undone
 * added to it (so a user learns both why it failed and what it left).
 *
 * Undo steps are pushed before the step they undo when that step can fail
 * half-way (an `ip -batch` that made the bridge and then failed on its
 * address, an `iptables-restore` that committed nat and failed in filter):
 * each undo step checks what is there and removes only that.
 *
 * @module
 */

/** Undo steps, run last-in first-out. */
export class UndoStack {
  private steps: Array<() => void | Promise<void>> = [];

  /** Remembers how to undo a step. */
  push(step: () => void | Promise<void>): void {
    this.steps.push(step);
  }

  /** Runs every step, newest first, also after one fails; returns the errors of those that failed. */
  async unwind(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      try {
        await this.steps.pop()!();
      } catch (err) {
        errors.push(err);
      }
    }
    return errors;
  }

  /** `unwind` for synchronous steps (a step returning a promise is a bug, reported as an error). */
  unwindSync(): unknown[] {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      try {
        const result = this.steps.pop()!();
        if (result instanceof Promise) {
          result.catch(() => {});
          errors.push(new Error("an asynchronous undo step was unwound synchronously"));
        }
      } catch (err) {
        errors.push(err);
      }
    }
    return errors;
  }

  /** Forgets every step: what they would undo is now wanted. */
  commit(): void {
    this.steps = [];
  }
}

/** The first line of an error's message. */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/**
 * `err`, with the errors of the undo steps that failed added to its
 * message (still one line); `err` itself when there are none.
 */
export function withUndoErrors(err: unknown, undoErrors: readonly unknown[]): unknown {
  if (undoErrors.length === 0) return err;
  const also = `; undoing it also failed: ${undoErrors.map(firstLine).join("; ")}`;
  if (err instanceof Error) {
    err.message += also;
    return err;
  }
  return new Error(`${firstLine(err)}${also}`);
}

/**
 * Runs `fn` with a fresh undo stack. On success the steps are forgotten;
 * on failure every step runs (newest first) and `fn`'s error is thrown.
 */
export function undoingSync<T>(fn: (undo: UndoStack) => T): T {
  const undo = new UndoStack();
  try {
    const result = fn(undo);
    undo.commit();
    return result;
  } catch (err) {
    throw withUndoErrors(err, undo.unwindSync());
  }
}

/**
 * Runs every step, in order, also after one fails; then throws the first
 * error (with the others added to it), if any. For teardowns whose steps
 * are independent: a failed rule deletion must not keep the veth.
 */
export function runEvery(steps: readonly (() => void)[]): void {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw withUndoErrors(errors[0], errors.slice(1));
}
