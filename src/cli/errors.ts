/** Exit codes a script can rely on; documented in docs/cli.md. */
export const ExitCode = {
  Ok: 0,
  ApiError: 1,
  Usage: 2,
  OperationFailed: 3,
  Unreachable: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** RFC 9457 problem details as the server sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
}

/** Every failure the CLI reports carries the exit code it ends with. */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
  /** Lines printed to stderr, the first one prefixed with `error: `. */
  lines(): string[] {
    return [this.message];
  }
}

export class UsageError extends CliError {
  readonly exitCode = ExitCode.Usage;
}

export class ApiError extends CliError {
  readonly exitCode = ExitCode.ApiError;
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${problem.title}: ${problem.detail}`);
  }

  override lines(): string[] {
    const fields = (this.problem.errors ?? []).map((e) => `  ${e.field}: ${e.message}`);
    return [this.message, ...fields];
  }
}

export class UnreachableError extends CliError {
  readonly exitCode = ExitCode.Unreachable;
}

export class OperationFailedError extends CliError {
  readonly exitCode = ExitCode.OperationFailed;
}
