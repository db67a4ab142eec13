/**
 * Errors the domain raises. The HTTP layer maps each class to one status code and an
 * RFC 9457 problem type; the worker maps TransientError to a retry and TerminalError to a
 * failed Operation.
 */
export interface FieldProblem {
  /** JSON pointer-ish path of the offending field, e.g. `spec.nodePools[1].replicas`. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  abstract readonly title: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
  readonly type = 'bad-request';
  readonly title = 'Bad request';
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  readonly status = 422;
  readonly type = 'validation';
  readonly title = 'The request is well-formed but not acceptable';
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Missing or invalid credentials';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'Conflict';
}

export class PreconditionFailedError extends DomainError {
  readonly status = 412;
  readonly type = 'precondition-failed';
  readonly title = 'Precondition failed';
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'Payload too large';
}

export class TooManyRequestsError extends DomainError {
  readonly status = 429;
  readonly type = 'too-many-requests';
  readonly title = 'Too many requests';
  constructor(
    message: string,
    /** Sent as Retry-After: when the next request will be accepted. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A system kaas depends on for this request (a tenant API server) does not answer; retry later. */
export class UnavailableError extends DomainError {
  readonly status = 503;
  readonly type = 'unavailable';
  readonly title = 'Temporarily unavailable';
}

/** A failure worth retrying: the Operation keeps running and shows the message. */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly reason = 'Transient',
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

/** A failure no retry can fix: the Operation fails with this reason and message. */
export class TerminalError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}
