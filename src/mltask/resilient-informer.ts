import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { sleep } from '../common/concurrency.js';
import { kubeMessage } from '../kube/kube-errors.js';

export interface InformerLog {
  warn(message: string): void;
}

/**
 * A list+watch cache that keeps going: client-node's informer stops on an error (a dropped
 * connection, a CRD not installed yet), so this one lists and watches again after a pause.
 * `start` resolves once the first list succeeded, so the cache is complete from then on.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private stopped = false;
  private failed: unknown;
  private restarting = false;
  private starting = false;

  constructor(
    config: KubeConfig,
    readonly path: string,
    list: () => Promise<KubernetesListObject<T>>,
    private readonly log: InformerLog,
    labelSelector?: string,
    private readonly retryMs = 2_000,
  ) {
    this.informer = makeInformer(config, path, list, labelSelector);
    this.informer.on('error', (error) => {
      this.failed = error ?? new Error('watch failed');
      if (!this.stopped && !this.starting) void this.restart();
    });
  }

  onChange(handler: (object: T) => void): void {
    this.informer.on('add', handler);
    this.informer.on('update', handler);
    this.informer.on('delete', handler);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.starting = true;
    try {
      for (;;) {
        this.failed = undefined;
        await this.informer.start();
        if (this.failed === undefined || this.stopped) return;
        this.log.warn(`listing ${this.path} failed, trying again: ${kubeMessage(this.failed)}`);
        await sleep(this.retryMs);
      }
    } finally {
      this.starting = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  private async restart(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    try {
      this.log.warn(`watch of ${this.path} stopped, starting again: ${kubeMessage(this.failed)}`);
      await sleep(this.retryMs);
      if (!this.stopped) await this.start();
    } finally {
      this.restarting = false;
    }
  }
}
