#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError, ExitCode } from './errors.js';
import { buildProgram } from './program.js';

/** Maps every way a command can end onto the documented exit codes. */
function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) {
    const [first, ...rest] = error.lines();
    process.stderr.write([`error: ${first}`, ...rest].map((l) => `${l}\n`).join(''));
    return error.exitCode;
  }
  if (error instanceof CommanderError) {
    // Commander has already printed its message; help and --version end with 0.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return ExitCode.ApiError;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // exitCode rather than exit(): lets pending stdout writes reach a pipe.
  process.exitCode = exitCodeFor(error);
}
