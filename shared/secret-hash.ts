// Secrets are stored as hex(sha256(salt || secret)) with a random salt and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface HashedSecret {
  /** hex(sha256(salt || secret)) */
  secretHash: string;
  /** hex-encoded random salt */
  salt: string;
}

/** Hashes a secret with a fresh random salt. App keys are random, high-entropy tokens, so a fast hash is enough. */
export function hashSecret(secret: string, salt: string = randomBytes(16).toString('hex')): HashedSecret {
  return { secretHash: digest(salt, secret).toString('hex'), salt };
}

/** True when `candidate` is the secret behind `stored`; time does not depend on where they differ. */
export function verifySecret(stored: HashedSecret, candidate: string): boolean {
  const expected = Buffer.from(stored.secretHash, 'hex');
  const actual = digest(stored.salt, candidate);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function digest(salt: string, secret: string): Buffer {
  return createHash('sha256').update(Buffer.from(salt, 'hex')).update(secret, 'utf8').digest();
}
