/**
 * Bad input, as a value. Every user-facing error (scenario files, trace files, flags) becomes
 * one line `file:line: field: message` and exit status 2; only src/cli prints it.
 */

export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message);
  }

  /** The one-line form. */
  format(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    const field = this.field ? `${this.field}: ` : '';
    return `${where}${field}${this.message}`;
  }
}
