import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../../src/server.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';

/** Without the Kubernetes binaries, a kwok cluster is refused at request time, naming the fix. */
describe('kwok provider without its binaries', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(
      'all',
      testConfig({ KAAS_PROVIDERS: 'fake,kwok', KAAS_TOOLS_DIR: '/nonexistent/kaas-tools' }),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers 422 naming the build command', async () => {
    const answer = await httpClient(server.url, ADMIN_TOKEN)(
      'POST',
      '/v1/projects/default/clusters',
      {
        body: { name: 'nobin', spec: { provider: 'kwok' } },
      },
    );
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].field).toBe('spec.kubernetesVersion');
    expect(answer.body.errors[0].message).toContain('npm run tools:build');
  });

  it('offers no kubeconfig for a fake cluster, saying why', async () => {
    const http = httpClient(server.url, ADMIN_TOKEN);
    await http('POST', '/v1/projects/default/clusters', {
      body: { name: 'fk', spec: { provider: 'fake' } },
    });
    const answer = await http('GET', '/v1/projects/default/clusters/fk/kubeconfig');
    expect(answer.status).toBe(409);
  });
});
