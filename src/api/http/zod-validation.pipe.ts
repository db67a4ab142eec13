import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { BadRequestError, type FieldProblem } from '../../domain/errors.js';

/** Parses a body or query with a zod schema; every issue becomes a field problem (400). */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly root = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? (this.root === 'body' ? undefined : {}));
    if (result.success) return result.data;
    throw new BadRequestError(
      `the ${this.root} is not valid`,
      result.error.issues.map((issue) => toFieldProblem(issue, this.root)),
    );
  }
}

export function toFieldProblem(issue: z.core.$ZodIssue, root: string): FieldProblem {
  let field = issue.path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    '',
  );
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.join(', ');
    return {
      field: field || root,
      message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${keys}`,
    };
  }
  if (!field) field = root;
  return { field, message: issue.message };
}
