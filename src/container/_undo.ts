/**
 * A stack of undo steps, so a failed start removes exactly what it made, in
 * reverse order, and one failing undo does not stop the others.
 *
 * @module
 */

/** Undo steps run last-in first-out. */
export class UndoStack {
  private steps: Array<() => void | Promise<void>> = [];

  /** Remembers how to undo the step just done. */
  push(step: () => void | Promise<void>): void {
    this.steps.push(step);
  }

  /** Runs every step, newest first; returns the errors of those that failed. */
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

  /** Forgets every step: what they would undo is now wanted. */
  commit(): void {
    this.steps = [];
  }
}
