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

/** The names of the Services an Ingress routes to (in its own namespace). */
export function backendServices(ingress: V1Ingress): string[] {
  const names = [ingress.spec?.defaultBackend?.service?.name];
  for (const rule of ingress.spec?.rules ?? [])
    for (const path of rule.http?.paths ?? []) names.push(path.backend.service?.name);
  return [...new Set(names.filter((n): n is string => !!n))];
}

export function referencesService(ingress: V1Ingress, namespace: string, service: string): boolean {
  return ingress.metadata?.namespace === namespace && backendServices(ingress).includes(service);
}

/** A Service selects a pod when its selector is not empty and every label matches. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
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
