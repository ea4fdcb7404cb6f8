/** Where the CLI writes; the tests pass their own. */
export interface CliOutput {
  out (line: string): void
  err (line: string): void
  /** Text without a line end (a progress line finished later); absent: whole lines only. */
  write? (text: string): void
  /** stdout is a terminal: escape codes (dim timings) are welcome; else the output stays plain. */
  readonly tty?: boolean
}

/** The process's stdout and stderr. */
export const STDIO: CliOutput = {
  out: (line) => { process.stdout.write(`${line}\n`) },
  err: (line) => { process.stderr.write(`${line}\n`) },
  write: (text) => { process.stdout.write(text) },
  get tty () { return process.stdout.isTTY === true }
}
