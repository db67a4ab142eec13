import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  EnvelopeError,
  KeyRing,
  UnknownKeyError,
  decryptSecret,
  decryptSecretBytes,
  encryptSecret,
  envelopeKeyId,
  makeKek,
  parseKek,
  rewrapSecret,
  type Envelope,
} from '../../../src/security/envelope.js';

const kek = (id: string) => makeKek(id, randomBytes(32));

function edit(envelope: string, change: (e: Envelope) => void): string {
  const parsed = JSON.parse(envelope) as Envelope;
  change(parsed);
  return JSON.stringify(parsed);
}

/** Flips one bit of a base64 field. */
function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64');
}

describe('envelope encryption', () => {
  const current = kek('kek-2026-11');
  const keyring = new KeyRing(current);
  const secret =
    '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n';

  it('round-trips text and bytes, and hides the plaintext', () => {
    const envelope = encryptSecret(secret, current);
    expect(envelope).not.toContain('MIGHAgEA');
    expect(decryptSecret(envelope, keyring)).toBe(secret);

    const bytes = randomBytes(1000);
    expect(decryptSecretBytes(encryptSecret(bytes, current), keyring).equals(bytes)).toBe(true);
    expect(decryptSecret(encryptSecret('', current), keyring)).toBe('');
  });

  it('is a versioned, self-describing JSON document naming its KEK', () => {
    const parsed = JSON.parse(encryptSecret(secret, current)) as Envelope;
    expect(Object.keys(parsed).sort()).toEqual(
      ['alg', 'ciphertext', 'iv', 'kid', 'tag', 'v', 'wrapIv', 'wrapTag', 'wrappedKey'].sort(),
    );
    expect(parsed).toMatchObject({ v: 1, alg: 'A256GCM', kid: 'kek-2026-11' });
    expect(Buffer.from(parsed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(parsed.tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(parsed.wrappedKey, 'base64')).toHaveLength(32);
    expect(envelopeKeyId(JSON.stringify(parsed))).toBe('kek-2026-11');
  });

  it('uses a fresh data key and nonce per secret', () => {
    const a = JSON.parse(encryptSecret(secret, current)) as Envelope;
    const b = JSON.parse(encryptSecret(secret, current)) as Envelope;
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it.each(['ciphertext', 'tag', 'iv', 'wrappedKey', 'wrapTag', 'wrapIv'] as const)(
    'detects a tampered %s',
    (field) => {
      const tampered = edit(encryptSecret(secret, current), (e) => {
        e[field] = flip(e[field]);
      });
      expect(() => decryptSecret(tampered, keyring)).toThrow(EnvelopeError);
      expect(() => decryptSecret(tampered, keyring)).toThrow(/failed authentication/);
    },
  );

  it('binds the secret to its context: an envelope moved to another row does not open', () => {
    const envelope = encryptSecret(secret, current, { context: 'cluster/a/ca.key' });
    expect(decryptSecret(envelope, keyring, { context: 'cluster/a/ca.key' })).toBe(secret);
    expect(() => decryptSecret(envelope, keyring, { context: 'cluster/b/ca.key' })).toThrow(
      'failed authentication',
    );
    expect(() => decryptSecret(envelope, keyring)).toThrow('failed authentication');
  });

  it('names the missing KEK when the envelope needs one the key ring lacks', () => {
    const envelope = encryptSecret(secret, kek('kek-retired'));
    expect(() => decryptSecret(envelope, keyring)).toThrow(UnknownKeyError);
    expect(() => decryptSecret(envelope, keyring)).toThrow('"kek-retired"');
  });

  it('fails when the kid is changed to another known KEK', () => {
    const other = kek('kek-other');
    const ring = new KeyRing(current, [other]);
    const envelope = edit(encryptSecret(secret, current), (e) => {
      e.kid = 'kek-other';
    });
    expect(() => decryptSecret(envelope, ring)).toThrow('failed authentication');
  });

  it('rejects malformed envelopes and unknown versions', () => {
    expect(() => decryptSecret('not json', keyring)).toThrow('not JSON');
    expect(() =>
      decryptSecret(
        edit(encryptSecret(secret, current), (e) => Object.assign(e, { v: 2 })),
        keyring,
      ),
    ).toThrow('malformed');
    expect(() => decryptSecret('{"v":1}', keyring)).toThrow(EnvelopeError);
  });

  describe('rotation', () => {
    const old = kek('kek-2026-01');
    const rotated = new KeyRing(current, [old]);

    it('decrypts with an old KEK and encrypts with the current one', () => {
      const legacy = encryptSecret(secret, old);
      expect(decryptSecret(legacy, rotated)).toBe(secret);
      expect(envelopeKeyId(encryptSecret(secret, rotated.current))).toBe('kek-2026-11');
    });

    it('re-wraps an old envelope under the current KEK without touching the ciphertext', () => {
      const legacy = encryptSecret(secret, old, { context: 'c' });
      const rewrapped = rewrapSecret(legacy, rotated);
      const before = JSON.parse(legacy) as Envelope;
      const after = JSON.parse(rewrapped) as Envelope;
      expect(after.kid).toBe('kek-2026-11');
      expect(after.ciphertext).toBe(before.ciphertext);
      expect(after.wrappedKey).not.toBe(before.wrappedKey);
      // The old KEK can be dropped once everything is re-wrapped.
      expect(decryptSecret(rewrapped, new KeyRing(current), { context: 'c' })).toBe(secret);
      expect(rewrapSecret(rewrapped, rotated)).toBe(rewrapped);
    });
  });

  describe('KEK configuration', () => {
    it('parses id:base64 KEKs and refuses wrong lengths, bad ids and reused ids', () => {
      const key = randomBytes(32);
      const ring = KeyRing.parse(`new:${key.toString('base64')}`, [
        `old:${randomBytes(32).toString('base64')}`,
      ]);
      expect(ring.current.id).toBe('new');
      expect(ring.current.key.equals(key)).toBe(true);
      expect(ring.get('old').id).toBe('old');
      expect(() => parseKek(`short:${randomBytes(16).toString('base64')}`)).toThrow('32 bytes');
      expect(() => parseKek(randomBytes(32).toString('base64'))).toThrow('<id>:');
      expect(() => parseKek(`bad id:${key.toString('base64')}`)).toThrow('id');
      expect(() => new KeyRing(makeKek('a', key), [makeKek('a', randomBytes(32))])).toThrow(
        'share the id',
      );
    });
  });
});
