import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Envelope encryption for secrets at rest (CA keys, kubeconfigs, cloud credentials): each secret
 * gets its own random AES-256-GCM data key, and only that key is encrypted ("wrapped") with the
 * key-encryption key (KEK). The envelope names its KEK, so KEKs rotate without re-encrypting
 * data: new secrets use the current KEK, old ones still open with an older one until re-wrapped.
 */

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/**
 * 96-bit random nonces: NIST SP 800-38D allows 2^32 of them per key. A data key encrypts once;
 * a KEK wraps one data key per secret, far below that.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface Kek {
  /** Stored in every envelope; never reuse an id for different key material. */
  id: string;
  key: Buffer;
}

/** Version 1: every binary field is base64. */
const envelopeSchema = z.strictObject({
  v: z.literal(1),
  alg: z.literal('A256GCM'),
  kid: z.string().regex(KID_PATTERN),
  wrapIv: z.base64(),
  wrapTag: z.base64(),
  wrappedKey: z.base64(),
  iv: z.base64(),
  tag: z.base64(),
  ciphertext: z.base64(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export interface EnvelopeOptions {
  /**
   * Authenticated but not stored, e.g. `cluster/<id>/ca.key`: an envelope copied into another
   * row then fails to decrypt instead of yielding the wrong secret.
   */
  context?: string;
}

export class EnvelopeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The envelope names a KEK this process does not have. */
export class UnknownKeyError extends EnvelopeError {
  constructor(readonly kid: string) {
    super(`no key-encryption key with id "${kid}" is configured`);
  }
}

/** `id:base64` with 32 bytes of key, the form configuration gives KEKs in. */
export function parseKek(spec: string): Kek {
  const colon = spec.indexOf(':');
  if (colon === -1)
    throw new EnvelopeError('a key-encryption key must be given as <id>:<base64 of 32 bytes>');
  return makeKek(spec.slice(0, colon), Buffer.from(spec.slice(colon + 1), 'base64'));
}

export function makeKek(id: string, key: Buffer): Kek {
  if (!KID_PATTERN.test(id))
    throw new EnvelopeError(`key-encryption key id "${id}" must match ${KID_PATTERN.source}`);
  if (key.length !== KEY_BYTES)
    throw new EnvelopeError(`key-encryption key "${id}" must be 32 bytes, got ${key.length}`);
  return { id, key: Buffer.from(key) };
}

/** The current KEK encrypts; it and the previous ones decrypt. */
export class KeyRing {
  private readonly byId = new Map<string, Kek>();

  constructor(
    readonly current: Kek,
    previous: readonly Kek[] = [],
  ) {
    for (const kek of [current, ...previous]) {
      const known = this.byId.get(kek.id);
      if (known && !known.key.equals(kek.key))
        throw new EnvelopeError(`two different keys share the id "${kek.id}"`);
      this.byId.set(kek.id, kek);
    }
  }

  /** `current` and `previous` as `id:base64`, e.g. from two configuration variables. */
  static parse(current: string, previous: readonly string[] = []): KeyRing {
    return new KeyRing(parseKek(current), previous.map(parseKek));
  }

  get(kid: string): Kek {
    const kek = this.byId.get(kid);
    if (!kek) throw new UnknownKeyError(kid);
    return kek;
  }
}

export function encryptSecret(
  plaintext: string | Uint8Array,
  kek: Kek,
  options: EnvelopeOptions = {},
): string {
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const data = seal(
      dataKey,
      typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext,
      contextAad(options),
    );
    const wrap = seal(kek.key, dataKey, wrapAad(kek.id));
    const envelope: Envelope = {
      v: 1,
      alg: 'A256GCM',
      kid: kek.id,
      wrapIv: wrap.iv,
      wrapTag: wrap.tag,
      wrappedKey: wrap.ciphertext,
      iv: data.iv,
      tag: data.tag,
      ciphertext: data.ciphertext,
    };
    return JSON.stringify(envelope);
  } finally {
    dataKey.fill(0);
  }
}

export function decryptSecret(
  envelope: string,
  keyring: KeyRing,
  options: EnvelopeOptions = {},
): string {
  return decryptSecretBytes(envelope, keyring, options).toString('utf8');
}

export function decryptSecretBytes(
  envelope: string,
  keyring: KeyRing,
  options: EnvelopeOptions = {},
): Buffer {
  const parsed = parseEnvelope(envelope);
  const dataKey = unwrapDataKey(parsed, keyring);
  try {
    return open(
      dataKey,
      parsed.iv,
      parsed.tag,
      parsed.ciphertext,
      contextAad(options),
      'the secret',
    );
  } finally {
    dataKey.fill(0);
  }
}

/** Which KEK an envelope needs, without decrypting it. */
export function envelopeKeyId(envelope: string): string {
  return parseEnvelope(envelope).kid;
}

/**
 * Re-wraps the data key with the current KEK; the ciphertext is untouched, so rotating a KEK
 * costs one small operation per secret. Returns the envelope unchanged when already current.
 */
export function rewrapSecret(envelope: string, keyring: KeyRing): string {
  const parsed = parseEnvelope(envelope);
  if (parsed.kid === keyring.current.id) return envelope;
  const dataKey = unwrapDataKey(parsed, keyring);
  try {
    const wrap = seal(keyring.current.key, dataKey, wrapAad(keyring.current.id));
    const rewrapped: Envelope = {
      ...parsed,
      kid: keyring.current.id,
      wrapIv: wrap.iv,
      wrapTag: wrap.tag,
      wrappedKey: wrap.ciphertext,
    };
    return JSON.stringify(rewrapped);
  } finally {
    dataKey.fill(0);
  }
}

export function parseEnvelope(envelope: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(envelope);
  } catch (error) {
    throw new EnvelopeError('the envelope is not JSON', { cause: error });
  }
  const result = envelopeSchema.safeParse(json);
  if (!result.success)
    throw new EnvelopeError(
      `the envelope is malformed or of an unknown version: ${result.error.issues[0]?.message ?? ''}`,
    );
  return result.data;
}

function unwrapDataKey(envelope: Envelope, keyring: KeyRing): Buffer {
  const kek = keyring.get(envelope.kid);
  const dataKey = open(
    kek.key,
    envelope.wrapIv,
    envelope.wrapTag,
    envelope.wrappedKey,
    wrapAad(kek.id),
    'the data key',
  );
  if (dataKey.length !== KEY_BYTES)
    throw new EnvelopeError('the wrapped data key has the wrong length');
  return dataKey;
}

function seal(
  key: Buffer,
  plaintext: Uint8Array,
  aad: Buffer,
): { iv: string; tag: string; ciphertext: string } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

function open(
  key: Buffer,
  iv: string,
  tag: string,
  ciphertext: string,
  aad: Buffer,
  what: string,
): Buffer {
  const ivBytes = Buffer.from(iv, 'base64');
  const tagBytes = Buffer.from(tag, 'base64');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
    throw new EnvelopeError(`${what} has a malformed nonce or tag`);
  const decipher = createDecipheriv(ALGORITHM, key, ivBytes, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tagBytes);
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
  } catch (error) {
    throw new EnvelopeError(
      `${what} failed authentication: tampered with, wrong key or wrong context`,
      { cause: error },
    );
  }
}

/** Binds the wrapped key to its KEK id, so an edited kid cannot pass for another key's envelope. */
function wrapAad(kid: string): Buffer {
  return Buffer.from(`kaas-envelope/v1/wrap/${kid}`, 'utf8');
}

function contextAad(options: EnvelopeOptions): Buffer {
  return Buffer.from(`kaas-envelope/v1/data/${options.context ?? ''}`, 'utf8');
}
