import { useEffect, useState, type FormEvent } from 'react';
import { DEFAULT_QUEUE_NAME, type ComputeSettings, type ComputeTarget, type SavedQueueSettings } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { BucketFields, bucketFieldsFrom, bucketInput } from './BucketFields';

const targetLabels: Record<ComputeTarget, { label: string; explanation: string }> = {
  'this-machine': { label: 'This machine', explanation: 'Runs train here, on this computer. Nothing else to set up.' },
  queue: {
    label: 'A run queue',
    explanation: 'Runs wait in a queue on Redis; lora-studio worker on other machines (a GPU box, a cloud instance) takes them and streams everything back.',
  },
};

/** The queue that is saved, in use or kept while runs train on this machine. */
function savedQueueOf(saved: ComputeSettings | null): SavedQueueSettings | null {
  return saved?.target === 'queue' ? saved : saved?.savedQueue ?? null;
}

/**
 * The form's fields from what is saved: the URL comes back with its password as ***, the secret never comes back.
 * On this machine the queue fields still hold the saved queue, so picking the queue again shows it.
 */
function fieldsFrom(saved: ComputeSettings | null) {
  const queue = savedQueueOf(saved);
  return {
    target: (saved?.target ?? 'this-machine') as ComputeTarget,
    redisUrl: queue?.redisUrl ?? '',
    queueName: queue?.queueName ?? DEFAULT_QUEUE_NAME,
    artifacts: bucketFieldsFrom(queue?.artifacts),
  };
}

/** Settings → Compute: where runs train. A queue is checked (Redis answers) before it is saved. */
export function ComputeSettingsForm() {
  const saved = useStudio((s) => s.compute);
  const loadError = useStudio((s) => s.computeError);
  const saving = useStudio((s) => s.savingCompute);
  const saveError = useStudio((s) => s.saveComputeError);
  const testing = useStudio((s) => s.testingCompute);
  const test = useStudio((s) => s.computeTest);
  const saveCompute = useStudio((s) => s.saveCompute);
  const testCompute = useStudio((s) => s.testCompute);

  const [fields, setFields] = useState(() => fieldsFrom(saved));
  const [secret, setSecret] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [savedNote, setSavedNote] = useState<string | null>(null);
  // The saved settings arrive after the first render (and change when saved): the form follows them.
  useEffect(() => setFields(fieldsFrom(saved)), [saved]);

  const savedQueue = savedQueueOf(saved);
  const secretStored = savedQueue?.secretSet === true;
  const redisUrl = fields.redisUrl.trim();
  const queueName = fields.queueName.trim() || DEFAULT_QUEUE_NAME;
  const artifacts = bucketInput(fields.artifacts, secretAccessKey);
  // A result is shown only for what the fields say now (a changed field hides it; a secret typed or cleared too).
  const testKey = JSON.stringify({ redisUrl, queueName, artifacts, secretTyped: secret !== '' });
  const testShown = test && test.key === testKey ? test : null;
  const secretAccessKeyStored = savedQueue?.artifacts.kind === 's3' && savedQueue.artifacts.secretAccessKeySet;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSavedNote(null);
    const ok =
      fields.target === 'this-machine'
        ? await saveCompute({ target: 'this-machine' })
        : await saveCompute({ target: 'queue', redisUrl, queueName, ...(secret ? { secret } : {}), artifacts });
    if (ok) {
      setSecret('');
      setSecretAccessKey('');
      setSavedNote(fields.target === 'queue' ? `Saved. New runs go to the queue "${queueName}".` : 'Saved. New runs train on this machine.');
    }
  };

  if (!saved) {
    return (
      <section className="panel compute-settings" data-testid="compute-settings" aria-busy={!loadError}>
        <h2 className="panel-title">Compute</h2>
        {loadError ? <ErrorMessage message={loadError} testId="compute-load-error" /> : <p className="loading">Loading…</p>}
      </section>
    );
  }

  return (
    <form className="panel compute-settings" data-testid="compute-settings" onSubmit={(e) => void submit(e)} noValidate>
      <h2 className="panel-title">Compute</h2>
      <fieldset className="field type-choice">
        <legend className="field-label">Where runs train</legend>
        {(Object.keys(targetLabels) as ComputeTarget[]).map((t) => (
          <label key={t} className={`type-option${fields.target === t ? ' selected' : ''}`}>
            <input type="radio" name="compute-target" value={t} data-testid={`compute-target-${t}`} checked={fields.target === t} disabled={saving} onChange={() => setFields((f) => ({ ...f, target: t }))} />
            <span>
              <span className="type-name">{targetLabels[t].label}</span>
              <span className="type-explanation">{targetLabels[t].explanation}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {fields.target === 'queue' && (
        <>
          <label className="field">
            <span className="field-label">
              Redis URL <span className="optional">redis:// or rediss:// (TLS), with the password if Redis has one</span>
            </span>
            <input
              className="input mono"
              data-testid="compute-redis-url"
              value={fields.redisUrl}
              onChange={(e) => setFields((f) => ({ ...f, redisUrl: e.target.value }))}
              placeholder="redis://:PASSWORD@gpu-box.local:6379"
              spellCheck={false}
              autoComplete="off"
              disabled={saving}
            />
          </label>
          <label className="field">
            <span className="field-label">
              Queue name <span className="optional">the one its workers use (--queue-name)</span>
            </span>
            <input className="input mono" data-testid="compute-queue-name" value={fields.queueName} onChange={(e) => setFields((f) => ({ ...f, queueName: e.target.value }))} placeholder={DEFAULT_QUEUE_NAME} spellCheck={false} disabled={saving} />
          </label>
          <label className="field">
            <span className="field-label">
              Shared secret <span className="optional">{secretStored ? 'stored; leave empty to keep it' : 'at least 16 characters, e.g. from openssl rand -hex 32'}</span>
            </span>
            <input
              className="input mono"
              type="password"
              autoComplete="off"
              data-testid="compute-secret"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              placeholder={secretStored ? '••••••••' : ''}
              disabled={saving}
            />
            <span className="hint">Every worker is started with the same secret in LORA_STUDIO_QUEUE_SECRET; a worker refuses runs that are not signed with it.</span>
          </label>
          <BucketFields
            values={fields.artifacts}
            onChange={(change) => setFields((f) => ({ ...f, artifacts: { ...f.artifacts, ...change } }))}
            secretAccessKey={secretAccessKey}
            onSecretAccessKey={setSecretAccessKey}
            secretStored={secretAccessKeyStored}
            disabled={saving}
          />
          {testShown && (
            <div role="status" data-testid="compute-test-result" data-ok={testShown.ok && (testShown.bucket?.ok ?? true)}>
              <p className={testShown.ok ? 'compute-test-ok' : 'error-message'} data-testid="compute-test-queue">
                {testShown.message}
              </p>
              {testShown.bucket && (
                <p className={testShown.bucket.ok ? 'compute-test-ok' : 'error-message'} data-testid="compute-test-bucket" data-ok={testShown.bucket.ok}>
                  {testShown.bucket.message}
                </p>
              )}
            </div>
          )}
        </>
      )}
      <ErrorMessage message={saveError} testId="compute-save-error" />
      {savedNote && !saving && !saveError && (
        <p className="hint" data-testid="compute-saved">
          {savedNote}
        </p>
      )}
      <div className="form-actions">
        {fields.target === 'queue' && (
          <button type="button" className="button" data-testid="compute-test" disabled={testing || saving || redisUrl === ''} onClick={() => void testCompute(redisUrl, queueName, secret, artifacts, testKey)}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        )}
        <button type="submit" className="button primary" data-testid="compute-save" disabled={saving || (fields.target === 'queue' && redisUrl === '')}>
          {saving ? (fields.target === 'queue' ? 'Checking the queue…' : 'Saving…') : 'Save'}
        </button>
      </div>
    </form>
  );
}
