import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../http/auth.guard.js';
import { ClusterDocumentCache, clusterKey } from './cluster-document-cache.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CLUSTER_ROUTES = '/v1/projects/:project/clusters';

/**
 * Read-your-writes for the cluster cache: when a request that may change a cluster is
 * answered (its transaction committed, or it failed), its cached document is dropped before
 * the answer is sent, so the caller's next read goes to the database without waiting for the
 * database's notification. Every route under the cluster collection is covered, present and
 * future; a create names its cluster in the body.
 */
export function registerClusterWritesHook(
  fastify: FastifyInstance,
  cache: ClusterDocumentCache,
): void {
  fastify.addHook('onSend', (request, _reply, _payload, done) => {
    if (!READS.has(request.method)) dropWrittenCluster(request, cache);
    done();
  });
}

function dropWrittenCluster(request: FastifyRequest, cache: ClusterDocumentCache): void {
  if (!request.routeOptions.url?.startsWith(CLUSTER_ROUTES)) return;
  const project = (request as AuthenticatedRequest).project;
  const params = request.params as Record<string, string | undefined> | undefined;
  const body = request.body as { name?: unknown } | undefined;
  const name = params?.cluster ?? (typeof body?.name === 'string' ? body.name : undefined);
  if (project && name) cache.invalidate(clusterKey(project.id, name));
}
