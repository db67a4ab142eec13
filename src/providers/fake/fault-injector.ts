import { TerminalError, TransientError } from '../../domain/errors.js';

export const FAULT_POINTS = [
  'ensureInfrastructure',
  'createMachine',
  'bootMachine',
  'deleteMachine',
  'deleteInfrastructure',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];
export type FaultKind = 'transient' | 'terminal';

interface FaultRule {
  point: FaultPoint;
  kind: FaultKind;
  remaining: number;
}

/**
 * Injected failures for the fake provider, from `point:kind:count` rules separated by commas,
 * for example `createMachine:transient:2,ensureInfrastructure:terminal:1`.
 */
export class FaultInjector {
  private readonly rules: FaultRule[] = [];

  static parse(spec: string): FaultInjector {
    const injector = new FaultInjector();
    for (const part of spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [point, kind, count] = part.split(':');
      if (!FAULT_POINTS.includes(point as FaultPoint)) {
        throw new Error(
          `unknown fault point "${point}"; expected one of ${FAULT_POINTS.join(', ')}`,
        );
      }
      if (kind !== 'transient' && kind !== 'terminal') {
        throw new Error(
          `unknown fault kind "${kind}" in "${part}"; expected transient or terminal`,
        );
      }
      const remaining = count === undefined ? 1 : Number(count);
      if (!Number.isInteger(remaining) || remaining < 1) {
        throw new Error(`fault count in "${part}" must be a positive integer`);
      }
      injector.inject(point as FaultPoint, kind, remaining);
    }
    return injector;
  }

  inject(point: FaultPoint, kind: FaultKind, count = 1): void {
    this.rules.push({ point, kind, remaining: count });
  }

  /** Whether a fault fires at this point now (and uses it up). */
  take(point: FaultPoint): FaultKind | undefined {
    const rule = this.rules.find((r) => r.point === point && r.remaining > 0);
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.kind;
  }

  /** Throws the injected error for this point, if one is due. */
  check(point: FaultPoint): void {
    const kind = this.take(point);
    if (kind === 'transient')
      throw new TransientError(
        `fake provider: injected transient failure in ${point}`,
        'ProviderUnavailable',
      );
    if (kind === 'terminal')
      throw new TerminalError(
        'ProviderRejected',
        `fake provider: injected terminal failure in ${point}`,
      );
  }
}
