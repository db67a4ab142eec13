import { Field } from './Field.js';

/** A pool as typed: replicas stay text so an empty box is not silently 0. */
export interface PoolDraft {
  name: string;
  replicas: string;
  flavor: string;
}

interface Props {
  pools: PoolDraft[];
  errors: Record<string, string>;
  onChange: (pools: PoolDraft[]) => void;
}

export function PoolRows({ pools, errors, onChange }: Props) {
  const update = (index: number, patch: Partial<PoolDraft>) =>
    onChange(pools.map((p, i) => (i === index ? { ...p, ...patch } : p)));
  return (
    <fieldset className="pools">
      <legend>Node pools</legend>
      {errors['spec.nodePools'] && <p className="field-error">{errors['spec.nodePools']}</p>}
      {pools.map((pool, i) => {
        const at = `spec.nodePools[${i}]`;
        return (
          <div className="pool-row" key={i} data-pool-index={i}>
            <Field label="Pool name" error={errors[`${at}.name`]}>
              <input
                name={`pool-${i}-name`}
                value={pool.name}
                onChange={(e) => update(i, { name: e.target.value })}
              />
            </Field>
            <Field label="Replicas" error={errors[`${at}.replicas`]}>
              <input
                name={`pool-${i}-replicas`}
                type="number"
                min={0}
                value={pool.replicas}
                onChange={(e) => update(i, { replicas: e.target.value })}
              />
            </Field>
            <Field label="Flavor" error={errors[`${at}.flavor`]}>
              <input
                name={`pool-${i}-flavor`}
                value={pool.flavor}
                onChange={(e) => update(i, { flavor: e.target.value })}
              />
            </Field>
            <button
              type="button"
              className="secondary"
              disabled={pools.length === 1}
              onClick={() => onChange(pools.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button
        type="button"
        className="secondary"
        onClick={() => onChange([...pools, { name: '', replicas: '1', flavor: 'standard' }])}
      >
        Add pool
      </button>
    </fieldset>
  );
}
