import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  PatchStrategy,
  setHeaderOptions,
  type AdmissionregistrationV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { generateCertificateAuthority, signServingCertificate } from '../bootstrap/pki.js';
import { hasMemberGate } from './endpoints.js';
import { MEMBER_CONDITION } from './ingress-model.js';

/** The path the API server posts pod admissions to. */
export const WEBHOOK_PATH = '/mutate-pods';

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: { uid: string; namespace?: string; operation?: string; object?: V1Pod };
}

/** The JSON patch that adds the gate, or undefined when the pod has it already. */
export function gatePatch(pod: V1Pod): object[] | undefined {
  if (hasMemberGate(pod)) return undefined;
  const gate = { conditionType: MEMBER_CONDITION };
  return pod.spec?.readinessGates?.length
    ? [{ op: 'add', path: '/spec/readinessGates/-', value: gate }]
    : [{ op: 'add', path: '/spec/readinessGates', value: [gate] }];
}

/**
 * Answers one AdmissionReview for a pod: always allowed; with a patch adding the readiness
 * gate when `wantsGate` says the pod will be behind an Ingress v2 load balancer.
 */
export function admitPod(
  review: AdmissionReview,
  wantsGate: (pod: V1Pod, namespace: string) => boolean,
): object {
  const request = review.request;
  const pod = request?.object;
  const namespace = request?.namespace ?? pod?.metadata?.namespace ?? '';
  const patch = pod && wantsGate(pod, namespace) ? gatePatch(pod) : undefined;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: request?.uid ?? '',
      allowed: true,
      ...(patch
        ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
        : {}),
    },
  };
}

export interface GateWebhookOptions {
  port: number;
  host?: string;
  /** Names the serving certificate carries: the Service's DNS names, or an IP in tests. */
  dnsNames?: string[];
  ipAddresses?: string[];
  /** The MutatingWebhookConfiguration whose caBundle is set to the webhook's own CA. */
  configurationName: string;
}

/**
 * The mutating webhook that injects the readiness gate. It makes its own CA and serving
 * certificate at start and writes the CA into its MutatingWebhookConfiguration, so no
 * certificate manager is needed; a restart simply makes and writes new ones.
 */
export class GateWebhook {
  private server: Server | undefined;

  constructor(
    private readonly wantsGate: (pod: V1Pod, namespace: string) => boolean,
    private readonly admission: AdmissionregistrationV1Api,
    private readonly options: GateWebhookOptions,
  ) {}

  /** Serves, then publishes the CA; answers the port it listens on. */
  async start(): Promise<number> {
    const ca = await generateCertificateAuthority('kaas-ingress-v2-webhook-ca');
    const serving = await signServingCertificate(ca, {
      commonName: this.options.dnsNames?.[0] ?? this.options.ipAddresses?.[0] ?? 'webhook',
      dnsNames: this.options.dnsNames ?? [],
      ipAddresses: this.options.ipAddresses ?? [],
    });
    const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url?.split('?')[0] !== WEBHOOK_PATH) {
          res.writeHead(404).end();
          return;
        }
        try {
          const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(admitPod(review, this.wantsGate)));
        } catch (error) {
          res.writeHead(400).end(error instanceof Error ? error.message : String(error));
        }
      });
    });
    this.server = server;
    await new Promise<void>((resolve) =>
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', resolve),
    );
    await this.publishCa(ca.certPem);
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async publishCa(caPem: string): Promise<void> {
    const name = this.options.configurationName;
    const current = await this.admission.readMutatingWebhookConfiguration({ name });
    const caBundle = Buffer.from(caPem).toString('base64');
    const patch = (current.webhooks ?? []).map((_, i) => ({
      op: 'add',
      path: `/webhooks/${i}/clientConfig/caBundle`,
      value: caBundle,
    }));
    await this.admission.patchMutatingWebhookConfiguration(
      { name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  }
}
