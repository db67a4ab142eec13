import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG, type Config } from '../config/config.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { ProjectsRepository, TokensRepository } from '../persistence/projects.repository.js';
import type { ProjectRecord } from '../persistence/records.js';
import { generateToken, hashToken, tokenPrefix } from './tokens.js';
import { isPlatformAdmin, roleAtLeast, type Principal, type Role } from './principal.js';

const CACHE_MS = 5_000;

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Token lookups are cached briefly: a revoked token stops working within CACHE_MS. */
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly projectCache = new Map<string, { project: ProjectRecord; until: number }>();

  constructor(
    private readonly tokens: TokensRepository,
    private readonly projects: ProjectsRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  /**
   * The token's principal. A token seen within CACHE_MS is answered without a promise: this
   * runs on every request, and the cached answer is the common case.
   */
  authenticate(authorization: string | undefined): Principal | Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new UnauthorizedError('send an API token as "Authorization: Bearer <token>"');
    const hash = hashToken(match[1]!);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) {
      if (!cached.principal) throw new UnauthorizedError('the API token is not valid');
      return cached.principal;
    }
    return this.lookUpToken(hash);
  }

  private async lookUpToken(hash: string): Promise<Principal> {
    const record = await this.tokens.findActiveByHash(hash);
    const valid = record && (!record.expiresAt || record.expiresAt > new Date());
    const principal: Principal | null = valid
      ? {
          tokenId: record.id,
          role: record.role as Role,
          ...(record.projectId ? { projectId: record.projectId } : {}),
        }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: Date.now() + CACHE_MS });
    if (!principal) throw new UnauthorizedError('the API token is not valid');
    return principal;
  }

  /**
   * Resolves a project by name for this caller. Another project's resources answer 404, so a
   * token cannot even learn which names exist.
   */
  authorize(
    principal: Principal,
    projectName: string,
    minimum: Role,
  ): ProjectRecord | Promise<ProjectRecord> {
    const cached = this.projectCache.get(projectName);
    if (cached && cached.until > Date.now())
      return this.check(principal, projectName, minimum, cached.project);
    return this.projects
      .findByName(projectName)
      .then((project) => this.check(principal, projectName, minimum, this.remember(project)));
  }

  private check(
    principal: Principal,
    projectName: string,
    minimum: Role,
    project: ProjectRecord | undefined,
  ): ProjectRecord {
    const visible = project && (isPlatformAdmin(principal) || principal.projectId === project.id);
    if (!visible) throw new NotFoundError(`project "${projectName}" not found`);
    if (!roleAtLeast(principal.role, minimum)) {
      throw new ForbiddenError(
        `this needs the ${minimum} role in project "${projectName}"; the token has ${principal.role}`,
      );
    }
    return project;
  }

  /**
   * Projects are never renamed or deleted, so a short cache of the lookup is safe. Misses are
   * not cached: a project created a moment ago must be found at once.
   */
  private remember(project: ProjectRecord | undefined): ProjectRecord | undefined {
    if (!project) return undefined;
    if (this.projectCache.size > 10_000) this.projectCache.clear();
    this.projectCache.set(project.name, { project, until: Date.now() + CACHE_MS });
    return project;
  }

  requirePlatformAdmin(principal: Principal): void {
    if (!isPlatformAdmin(principal))
      throw new ForbiddenError('this needs a platform administrator token');
  }

  /**
   * On first start there is no way in: create a platform administrator token (the configured
   * one, or a new one printed once) and a `default` project.
   */
  async bootstrap(): Promise<void> {
    const configured = this.config.KAAS_BOOTSTRAP_TOKEN;
    if (configured) {
      if (!(await this.tokens.findActiveByHash(hashToken(configured)))) {
        await this.insertAdmin(configured);
      }
    } else if ((await this.tokens.countPlatformAdmins()) === 0) {
      const token = generateToken();
      await this.insertAdmin(token);
      // Printed to stdout once, outside the structured log, the way kubeadm prints its join token.
      process.stdout.write(
        `\nkaas: created the platform administrator token (shown only now, store it safely):\n\n    ${token}\n\n`,
      );
    }
    if (!(await this.projects.findByName('default'))) {
      await this.projects
        .insert({
          id: uuidv7(),
          name: 'default',
          displayName: 'Default project',
          quotaClusters: this.config.KAAS_QUOTA_CLUSTERS,
          quotaNodes: this.config.KAAS_QUOTA_NODES,
        })
        .catch((error: unknown) =>
          this.logger.debug(`default project exists already: ${String(error)}`),
        );
    }
  }

  private async insertAdmin(token: string): Promise<void> {
    await this.tokens.insert({
      id: uuidv7(),
      projectId: null,
      name: 'bootstrap-admin',
      role: 'admin',
      tokenHash: hashToken(token),
      prefix: tokenPrefix(token),
    });
  }
}
