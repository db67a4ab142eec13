import type { Db } from './database.js';
import { AddonsRepository } from './addons.repository.js';
import { AuditRepository } from './audit.repository.js';
import { CloudsRepository } from './clouds.repository.js';
import { ClusterSecretsRepository } from './cluster-secrets.repository.js';
import { ClustersRepository } from './clusters.repository.js';
import { EventsRepository } from './events.repository.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { MachinesRepository } from './machines.repository.js';
import { OperationsRepository } from './operations.repository.js';
import { ProjectsRepository, TokensRepository } from './projects.repository.js';

/** Every repository over one executor: the database, or a transaction. */
export function repositories(db: Db) {
  return {
    projects: new ProjectsRepository(db),
    tokens: new TokensRepository(db),
    clusters: new ClustersRepository(db),
    machines: new MachinesRepository(db),
    operations: new OperationsRepository(db),
    audit: new AuditRepository(db),
    idempotency: new IdempotencyRepository(db),
    events: new EventsRepository(db),
    addons: new AddonsRepository(db),
    clouds: new CloudsRepository(db),
    clusterSecrets: new ClusterSecretsRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;

/** Nest injection token for the open database. */
export const DATABASE = Symbol('DATABASE');
