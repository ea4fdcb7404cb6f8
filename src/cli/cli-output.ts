/** Where the CLI writes; the tests pass their own. */
export interface CliOutput {
  out (line: string): void
  err (line: string): void
}

/** The process's stdout and stderr. */
export const STDIO: CliOutput = {
  out: (line) => { process.stdout.write(`${line}\n`) },
  err: (line) => { process.stderr.write(`${line}\n`) }
}
