import { eq, and } from 'drizzle-orm';
import type { Db } from '../persistence/database.js';
import { clusterSecrets, openstackClouds } from '../persistence/schema.js';
import { parseEnvelope, rewrapSecret, type KeyRing } from './envelope.js';

export interface RotationReport {
  /** Envelopes looked at, and those re-wrapped under the current KEK (the rest already were). */
  examined: number;
  rewrapped: number;
  /** What is still under another KEK afterwards: zero once the rotation is complete. */
  remaining: number;
}

/**
 * Re-wraps every secret kaas keeps at rest (cloud credentials, cluster CA and service-account
 * keys) under the key ring's current KEK. The data keys and the data stay as they are: only
 * each envelope's wrapped data key changes, one row at a time, so a rotation interrupted half
 * way is finished by running it again. Once it reports nothing remaining, the previous KEK can
 * be dropped from KAAS_KEK_PREVIOUS.
 */
export async function rotateKeys(db: Db, keyRing: KeyRing): Promise<RotationReport> {
  const report: RotationReport = { examined: 0, rewrapped: 0, remaining: 0 };
  const current = keyRing.current.id;
  for (const cloud of await db
    .select({ id: openstackClouds.id, credentials: openstackClouds.credentials })
    .from(openstackClouds)) {
    report.examined += 1;
    const next = rewrapSecret(cloud.credentials, keyRing);
    if (next === cloud.credentials) continue;
    await db
      .update(openstackClouds)
      .set({ credentials: next })
      .where(
        and(eq(openstackClouds.id, cloud.id), eq(openstackClouds.credentials, cloud.credentials)),
      );
    report.rewrapped += 1;
  }
  for (const secret of await db.select().from(clusterSecrets)) {
    report.examined += 1;
    const next = rewrapSecret(secret.envelope, keyRing);
    if (next === secret.envelope) continue;
    await db
      .update(clusterSecrets)
      .set({ envelope: next })
      .where(
        and(
          eq(clusterSecrets.clusterId, secret.clusterId),
          eq(clusterSecrets.name, secret.name),
          eq(clusterSecrets.envelope, secret.envelope),
        ),
      );
    report.rewrapped += 1;
  }
  const stillOld = [
    ...(await db.select({ e: openstackClouds.credentials }).from(openstackClouds)),
    ...(await db.select({ e: clusterSecrets.envelope }).from(clusterSecrets)),
  ].filter((row) => parseEnvelope(row.e).kid !== current);
  report.remaining = stillOld.length;
  return report;
}
