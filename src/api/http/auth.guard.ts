import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthService } from '../../auth/auth.service.js';
import type { Principal } from '../../auth/principal.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { ACCESS_METADATA, type Access } from '../../openapi/route.decorator.js';
import { RateLimiter } from './rate-limiter.js';

export type AuthenticatedRequest = FastifyRequest & {
  principal?: Principal;
  project?: ProjectRecord;
};

/**
 * Authenticates every request and authorises it by the access its route declares: a role in
 * the `:project` of the path (another project's token gets 404), a platform administrator, or
 * any valid token. A route that declares nothing is refused, so none is open by mistake.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
    private readonly limits: RateLimiter,
  ) {}

  /**
   * Each route's declared access, by controller class and handler (a handler inherited by two
   * controllers may be declared differently by each); metadata does not change once the
   * routes are built.
   */
  private readonly declared = new WeakMap<object, Map<object, Access | undefined>>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.access(context);
    if (access === 'public') return true;
    if (access === undefined)
      throw new Error(
        `route ${context.getClass().name}.${context.getHandler().name} declares no access`,
      );
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // Cached answers come back without a promise; only a lookup or a limit is awaited.
    const authenticated = this.auth.authenticate(request.headers.authorization);
    const principal = authenticated instanceof Promise ? await authenticated : authenticated;
    request.principal = principal;
    const limited = this.limits.take(principal.tokenId);
    if (limited) await limited;
    if (access === 'platform-admin') {
      this.auth.requirePlatformAdmin(principal);
      return true;
    }
    const projectName = (request.params as Record<string, string> | undefined)?.project;
    if (access !== 'authenticated' && projectName !== undefined) {
      const project = this.auth.authorize(principal, projectName, access);
      request.project = project instanceof Promise ? await project : project;
    }
    return true;
  }

  private access(context: ExecutionContext): Access | undefined {
    const controller = context.getClass();
    const handler = context.getHandler();
    let routes = this.declared.get(controller);
    if (!routes) this.declared.set(controller, (routes = new Map()));
    if (routes.has(handler)) return routes.get(handler);
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [
      handler,
      controller,
    ]);
    routes.set(handler, access);
    return access;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new Error('CurrentPrincipal used on a public route');
    return request.principal;
  },
);

/** The `:project` of the path, resolved and authorised by the guard. */
export const CurrentProject = createParamDecorator(
  (_: unknown, context: ExecutionContext): ProjectRecord => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.project) throw new Error('CurrentProject used on a route without a project role');
    return request.project;
  },
);
