import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DatabaseHandle } from '../persistence/database.js';
import { DATABASE, repositories } from '../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../providers/infrastructure-provider.js';

/**
 * Deletes provider resources tagged for clusters this installation has deleted. Only ids of
 * clusters recorded here as deleted count as orphans: a resource tagged for an id the database
 * does not know may belong to another installation sharing the cloud project, and is left alone.
 */
@Injectable()
export class OrphanSweeper {
  private readonly logger = new Logger('orphan-sweeper');

  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(PROVIDERS) private readonly providers: ProviderRegistry,
  ) {}

  async sweep(): Promise<number> {
    const clusters = repositories(this.database.db).clusters;
    const isOrphan = async (clusterId: string) =>
      Boolean((await clusters.findById(clusterId))?.deletedAt);
    let left = 0;
    for (const provider of this.providers.values()) {
      if (!provider.sweepOrphans) continue;
      const remaining = await provider.sweepOrphans(isOrphan);
      if (remaining.length > 0)
        this.logger.log(
          `${provider.name}: deleting ${remaining.length} resources of deleted clusters: ${remaining
            .slice(0, 10)
            .map((r) => `${r.kind}/${r.name}`)
            .join(', ')}`,
        );
      left += remaining.length;
    }
    return left;
  }
}
