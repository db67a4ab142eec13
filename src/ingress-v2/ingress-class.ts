import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import {
  CONTROLLER_NAME,
  DEFAULT_CLASS_ANNOTATION,
  GROUP_ANNOTATION,
  LEGACY_CLASS_ANNOTATION,
} from './ingress-model.js';

/** The load balancer an Ingress belongs to: its group's, or its own. */
export function ingressKey(ingress: V1Ingress): string {
  const group = ingress.metadata?.annotations?.[GROUP_ANNOTATION]?.trim();
  if (group) return `group:${group}`;
  return `${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`;
}

export function referencesService(ingress: V1Ingress, namespace: string, service: string): boolean {
  if (ingress.metadata?.namespace !== namespace) return false;
  if (ingress.spec?.defaultBackend?.service?.name === service) return true;
  return (ingress.spec?.rules ?? []).some((rule) =>
    (rule.http?.paths ?? []).some((path) => path.backend.service?.name === service),
  );
}

/**
 * Which Ingresses are ours: those whose class (field or the legacy annotation) is an
 * IngressClass with our controller, and those without a class when our class is the default.
 */
export class IngressClassifier {
  constructor(private readonly classes: () => readonly V1IngressClass[]) {}

  isOurs(ingress: V1Ingress): boolean {
    const mine = this.classes().filter((c) => c.spec?.controller === CONTROLLER_NAME);
    const name =
      ingress.spec?.ingressClassName ?? ingress.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
    if (name) return mine.some((c) => c.metadata?.name === name);
    return mine.some((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  }
}
