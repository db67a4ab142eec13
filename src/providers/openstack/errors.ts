import { TerminalError, TransientError } from '../../domain/errors.js';
import { OpenStackHttpError } from './http.js';
import { AuthenticationError } from './keystone.js';

/** Terminal reasons a user can act on; each names what to change. */
export const OpenStackReasons = {
  /** The project's quota at the cloud is used up. */
  QuotaExceeded: 'OpenStackQuotaExceeded',
  /** No flavor with the name or id the spec gives. */
  FlavorNotFound: 'OpenStackFlavorNotFound',
  /** No image with the name or id the spec gives. */
  ImageNotFound: 'OpenStackImageNotFound',
  /** Nova refused the rendered user data (too large or malformed). */
  InvalidUserData: 'OpenStackInvalidUserData',
  /** Keystone refused the cloud's credentials. */
  AuthenticationFailed: 'OpenStackAuthenticationFailed',
  /** Any other request the cloud refused; the message quotes it. */
  Rejected: 'OpenStackRejected',
  /** The cloud did not answer or answered 5xx/429 after retries; retried later. */
  Unavailable: 'OpenStackUnavailable',
  /** A resource is in a PENDING_* state and cannot change yet; retried later. */
  Busy: 'OpenStackResourceBusy',
} as const;

const QUOTA = /quota (exceeded|has been met)|over ?quota|exceeds? .*quota/i;
const FLAVOR = /flavor .*(could not be found|not found)|invalid flavorref/i;
const IMAGE =
  /image .*(could not be found|not found)|invalid imageref|can ?not find requested image/i;
const USER_DATA = /user.?data/i;
const PENDING = /PENDING_[A-Z]+|immutable and cannot be updated/;

/**
 * Maps a failed OpenStack call to the reconciler's two error classes: quota, unknown flavor or
 * image and refused user data are terminal (no retry fixes them); no answer, 5xx, 429 and
 * PENDING_* conflicts are transient. Anything else the cloud refused is terminal with its words.
 */
export function toReconcileError(error: unknown): TerminalError | TransientError | unknown {
  if (error instanceof AuthenticationError)
    return new TerminalError(OpenStackReasons.AuthenticationFailed, error.message);
  if (!(error instanceof OpenStackHttpError)) return error;
  const { status, detail } = error;
  if (status === 0 || status === 429 || status >= 500)
    return new TransientError(error.message, OpenStackReasons.Unavailable);
  if (PENDING.test(detail)) return new TransientError(error.message, OpenStackReasons.Busy);
  if (QUOTA.test(detail))
    return new TerminalError(
      OpenStackReasons.QuotaExceeded,
      `${detail} — raise the project's quota at the cloud or ask for fewer or smaller machines`,
    );
  if (FLAVOR.test(detail))
    return new TerminalError(
      OpenStackReasons.FlavorNotFound,
      `${detail} — name a flavor that exists (openstack flavor list)`,
    );
  if (IMAGE.test(detail))
    return new TerminalError(
      OpenStackReasons.ImageNotFound,
      `${detail} — name an image that exists and is visible to the project (openstack image list)`,
    );
  if (USER_DATA.test(detail))
    return new TerminalError(
      OpenStackReasons.InvalidUserData,
      `Nova refused the user data: ${detail}`,
    );
  if (status === 401 || status === 403)
    return new TerminalError(OpenStackReasons.AuthenticationFailed, error.message);
  if (status === 409) return new TransientError(error.message, OpenStackReasons.Busy);
  return new TerminalError(OpenStackReasons.Rejected, error.message);
}

/** Runs an OpenStack interaction and rethrows its failure as the reconciler's error class. */
export async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toReconcileError(error);
  }
}
