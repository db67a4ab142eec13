import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config } from '../../config/config.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { isPlatformAdmin, type Principal, type Role } from '../../auth/principal.js';
import { generateToken, hashToken, tokenPrefix } from '../../auth/tokens.js';
import { isUniqueViolation, type DatabaseHandle } from '../../persistence/database.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { decodeCursor, SEQUENCE_CURSOR, toPage, type Page } from '../http/pagination.js';
import { auditView, projectView, tokenView } from '../representations.js';
import type { ProjectView } from '../schemas.js';

@Injectable()
export class ProjectsService {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  private get repos() {
    return repositories(this.database.db);
  }

  async create(request: {
    name: string;
    displayName: string;
    quotas: { clusters?: number; nodes?: number };
  }): Promise<ProjectView> {
    const project = await this.repos.projects
      .insert({
        id: uuidv7(),
        name: request.name,
        displayName: request.displayName,
        quotaClusters: request.quotas.clusters ?? this.config.KAAS_QUOTA_CLUSTERS,
        quotaNodes: request.quotas.nodes ?? this.config.KAAS_QUOTA_NODES,
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error))
          throw new ConflictError(`a project named "${request.name}" already exists`);
        throw error;
      });
    return projectView(project);
  }

  /** A platform administrator sees every project; any other token, its own. */
  async list(
    principal: Principal,
    query: { limit: number; cursor?: string },
  ): Promise<Page<ProjectView>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.repos.projects.list({
      limit: query.limit + 1,
      ...(after ? { after } : {}),
      ...(isPlatformAdmin(principal) ? {} : { onlyId: principal.projectId! }),
    });
    return toPage(rows, query.limit, projectView);
  }

  async createToken(
    project: ProjectRecord,
    request: { name: string; role: Role; expiresInSeconds?: number },
  ) {
    const token = generateToken();
    const record = await this.repos.tokens.insert({
      id: uuidv7(),
      projectId: project.id,
      name: request.name,
      role: request.role,
      tokenHash: hashToken(token),
      prefix: tokenPrefix(token),
      ...(request.expiresInSeconds
        ? { expiresAt: new Date(Date.now() + request.expiresInSeconds * 1000) }
        : {}),
    });
    return { ...tokenView(record), token };
  }

  async listTokens(project: ProjectRecord) {
    return { items: (await this.repos.tokens.listForProject(project.id)).map(tokenView) };
  }

  async revokeToken(project: ProjectRecord, tokenId: string): Promise<void> {
    if (!(await this.repos.tokens.revoke(project.id, tokenId))) {
      throw new NotFoundError(`token ${tokenId} not found in project "${project.name}"`);
    }
  }

  async listAudit(project: ProjectRecord, query: { limit: number; cursor?: string }) {
    const before = decodeCursor(query.cursor, SEQUENCE_CURSOR);
    const rows = await this.repos.audit.list(project.name, {
      limit: query.limit + 1,
      ...(before ? { before: Number(before) } : {}),
    });
    return toPage(rows, query.limit, auditView);
  }
}
