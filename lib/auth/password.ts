import { hash, verify } from '@node-rs/argon2';

/**
 * Agent passwords: Argon2id (the package's default algorithm) with OWASP's baseline cost, a random
 * salt per hash, stored as a PHC string that carries its own parameters, so raising the cost later
 * does not break existing hashes.
 */

export const PASSWORD_MIN_LENGTH = 12;
/** Argon2 hashes any length in the same time, but a megabyte "password" is still not one. */
export const PASSWORD_MAX_LENGTH = 256;

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a hash this code cannot read; never throws on user input. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of a real check when the e-mail is unknown or has no password, so response time
 * does not tell an attacker which addresses belong to agents.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('tether-timing-equaliser');
  await verifyPassword(await dummyHash, password);
}
