import { useCallback, useState, type FormEvent } from 'react';
import { unwrap, type ClusterCreateRequest } from '../../../sdk/src/index.js';
import { fieldErrors, type KaasClient } from '../api.js';
import { navigate, usePoll } from '../hooks.js';
import { ErrorLine } from '../components/ErrorLine.js';
import { Field } from '../components/Field.js';
import { PoolRows, type PoolDraft } from '../components/PoolRows.js';
import { versionsFor } from '../versions.js';

type Provider = ClusterCreateRequest['spec']['provider'];

/** The field paths this form shows errors next to; others are listed above the button. */
function isShown(field: string): boolean {
  return /^(name|spec\.provider|spec\.kubernetesVersion|spec\.nodePools(\[\d+\]\.(name|replicas|flavor))?)$/.test(
    field,
  );
}

export function CreateCluster({ kaas, project }: { kaas: KaasClient; project: string }) {
  const load = useCallback(() => unwrap(kaas.getServerConfig({})), [kaas]);
  const { data: config, error: configError } = usePoll(load, 300_000);
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<Provider | ''>('');
  const [version, setVersion] = useState('');
  const [pools, setPools] = useState<PoolDraft[]>([
    { name: 'workers', replicas: '2', flavor: 'standard' },
  ]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const others = Object.entries(errors).filter(([field]) => !isShown(field));
  const chosen = provider || config?.providers[0] || 'fake';
  const offered = versionsFor(config, chosen);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const spec: ClusterCreateRequest['spec'] = {
        provider: chosen,
        kubernetesVersion: version || offered.defaultVersion,
        nodePools: pools.map((p) => ({
          name: p.name,
          replicas: Number(p.replicas),
          ...(p.flavor ? { flavor: p.flavor } : {}),
        })),
      };
      await unwrap(kaas.createCluster({ path: { project }, body: { name, spec } }));
      navigate('/');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>New cluster in {project}</h1>
      <ErrorLine error={configError} />
      <form className="card form" noValidate onSubmit={(e) => void submit(e)}>
        <Field label="Name" error={errors['name']}>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Provider" error={errors['spec.provider']}>
          <select
            name="provider"
            value={provider || config?.providers[0] || ''}
            onChange={(e) => {
              setProvider(e.target.value as Provider);
              setVersion('');
            }}
          >
            {config?.providers.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </Field>
        <Field label="Kubernetes version" error={errors['spec.kubernetesVersion']}>
          <select
            name="version"
            value={version || offered.defaultVersion || ''}
            onChange={(e) => setVersion(e.target.value)}
          >
            {offered.versions.map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </Field>
        <PoolRows pools={pools} errors={errors} onChange={setPools} />
        {error !== undefined &&
          (others.length > 0 || Object.keys(errors).length === 0 ? (
            <ErrorLine error={error} />
          ) : (
            <p className="error">Please correct the fields marked above.</p>
          ))}
        <div className="actions">
          <button type="submit" disabled={busy}>
            Create cluster
          </button>
          <a className="button secondary" href="#/">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
