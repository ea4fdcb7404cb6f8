/** A wrong command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UsageError'
  }
}
