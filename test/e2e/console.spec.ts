import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_DIST, registerConsole } from '../../src/console/register-console.js';
import { embeddedKaasEnv, startKaas, type KaasProcess } from '../support/process.js';
import { ADMIN_TOKEN } from '../support/factories.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-artifacts/console');
const CHROMIUM = process.env.KAAS_CHROMIUM ?? '/usr/bin/chromium';
const HOP_BY_HOP = [
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'content-encoding',
];

/** The console as kaas serves it (registerConsole), with /v1 proxied to the kaas process. */
async function startConsoleServer(apiUrl: string): Promise<FastifyInstance> {
  const app = Fastify();
  // Bodies pass through untouched, whatever their type (JSON, merge patch).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  await registerConsole(app);
  app.all('/v1/*', async (request, reply) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !HOP_BY_HOP.includes(name)) headers.set(name, value);
    }
    const answer = await fetch(apiUrl + request.url, {
      method: request.method,
      headers,
      // API bodies are JSON text.
      body: (request.body as Buffer | undefined)?.toString('utf8'),
    });
    answer.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.includes(name)) void reply.header(name, value);
    });
    return reply.code(answer.status).send(Buffer.from(await answer.arrayBuffer()));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * The web console in headless Chromium against the service started as a process: sign in,
 * create a cluster (after a refused name), watch it run, scale it, refuse an upgrade, delete it.
 */
describe('web console', () => {
  let kaas: KaasProcess;
  let server: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let consoleUrl: string;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set KAAS_CHROMIUM)`);
    }
    if (!existsSync(join(CONSOLE_DIST, 'index.html'))) {
      const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
      execFileSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts'], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    }
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-console-'));
    kaas = await startKaas('all', embeddedKaasEnv(dataDir, { KAAS_FAKE_BOOT_SECONDS: '2' }));
    server = await startConsoleServer(kaas.url);
    const { port } = server.server.address() as AddressInfo;
    consoleUrl = `http://127.0.0.1:${port}/console`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    const ended = await kaas?.kill('SIGTERM');
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(kaas.output()).not.toMatch(/"level":50/);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in with an API token and lands on the clusters of the default project', async () => {
    await page.goto(consoleUrl);
    await page.getByLabel('API token').fill('kaas_not-a-valid-token-at-all-000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.signin .error').waitFor();
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await shot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Clusters' }).waitFor();
    expect(await page.locator('select[name=project]').inputValue()).toBe('default');
    expect(await page.evaluate(() => sessionStorage.getItem('kaas.console.token'))).toBe(
      ADMIN_TOKEN,
    );
  });

  it('shows the server’s field error next to the name, then creates the cluster', async () => {
    await page.getByRole('link', { name: 'New cluster' }).click();
    await page.locator('input[name=name]').fill('Bad_Name');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    const nameError = page.locator('label.field:has(input[name=name]) .field-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('DNS-1123');
    await shot(page, '02-create-field-error');

    await page.locator('input[name=name]').fill('web-demo');
    await page.locator('input[name=pool-0-replicas]').fill('2');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    const row = page.locator('tr[data-cluster="web-demo"]');
    await row.locator('.badge', { hasText: 'Running' }).waitFor({ timeout: 60_000 });
    expect(await row.locator('.nodes').textContent()).toBe('3/3');
    await shot(page, '03-cluster-list');
  });

  it('opens the cluster: spec, pools, machines, conditions, events and the finished create', async () => {
    await page.getByRole('link', { name: 'web-demo' }).click();
    await page.getByRole('heading', { name: 'web-demo' }).waitFor();
    await page.locator('.operation[data-operation=Create][data-status=Succeeded]').waitFor();
    expect(await page.locator('table.machines tbody tr').count()).toBe(3);
    expect(await page.locator('table.conditions').textContent()).toContain('NodesReady');
    expect(await page.locator('tr[data-pool=workers] .ready').textContent()).toBe('2/2');
    await page.locator('.events', { hasText: 'OperationSucceeded' }).waitFor({ timeout: 10_000 });
  });

  it('shows the server’s 422 message when an upgrade is refused', async () => {
    await page.locator('select[name=upgrade-version]').selectOption('1.36.3');
    await page.getByRole('button', { name: 'Upgrade' }).click();
    const refused = page.locator('.upgrade [role=alert]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('cannot be accepted');
  });

  it('scales a pool and follows the operation live until it succeeds', async () => {
    await page.locator('input[name=scale-workers]').fill('4');
    await page.getByRole('button', { name: 'Scale' }).click();
    const scale = page.locator('.operation[data-operation=Scale]');
    const seen = new Set<string>();
    let shotWhileRunning = false;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const status = await scale.getAttribute('data-status', { timeout: 10_000 });
      seen.add(`${status}`);
      if (status === 'Succeeded') break;
      if (status === 'Running' && !shotWhileRunning) {
        shotWhileRunning = true;
        await shot(page, '04-scale-running');
      }
      await page.waitForTimeout(200);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['Running', 'Succeeded']));
    expect(await scale.locator('.op-progress').textContent()).toBe('100%');
    await page.locator('tr[data-pool=workers] .ready', { hasText: '4/4' }).waitFor();
    await shot(page, '05-cluster-scaled');
  });

  it('deletes the cluster after the name is typed to confirm', async () => {
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('button', { name: 'Delete cluster' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel('cluster name to confirm').fill('web-demo');
    await confirm.click();
    await page.getByText('Cluster web-demo has been deleted.').waitFor({ timeout: 60_000 });
    await page.locator('.operation[data-operation=Delete][data-status=Succeeded]').waitFor();
    await shot(page, '06-cluster-deleted');
    await page.getByRole('link', { name: 'Back to clusters' }).click();
    await page.getByText('No clusters in default yet.').waitFor();
  });
});
