import { useEffect, useMemo, useState } from 'react';
import type { Project, TrainingOverrides } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { BaseModelPicker } from './BaseModelPicker';
import { FieldInput } from './FieldInput';
import { fieldText, parseField } from './field-values';
import { PreflightProblems } from './PreflightProblems';
import { runOnFrom, type RunOnChoice } from './run-on';
import { RunOnPicker } from './RunOnPicker';
import { advancedFields, fieldShown, mainFields, type FieldKey, type TrainingField } from './training-fields';

/** Edits are checked by the services a moment after typing stops, not at every key. */
const PREFLIGHT_DELAY_MS = 400;

/** A new run: the preset for the project's LoRA type, explained field by field, checked before anything starts. */
export function TrainForm({ project }: { project: Project }) {
  const report = useStudio((s) => s.preflight);
  const checking = useStudio((s) => s.preflightChecking);
  const preflightError = useStudio((s) => s.preflightError);
  const starting = useStudio((s) => s.startingRun);
  const startError = useStudio((s) => s.startRunError);
  const checkPreflight = useStudio((s) => s.checkPreflight);
  const startRun = useStudio((s) => s.startRun);

  const [edits, setEdits] = useState<TrainingOverrides>({});
  const [drafts, setDrafts] = useState<Partial<Record<FieldKey, string>>>({});
  const [invalid, setInvalid] = useState<Partial<Record<FieldKey, string>>>({});
  const [name, setName] = useState('');
  const compute = useStudio((s) => s.compute);
  const [runChoice, setRunChoice] = useState<RunOnChoice | null>(null);
  const [runLabels, setRunLabels] = useState('');

  useEffect(() => {
    const timer = setTimeout(() => void checkPreflight(edits), Object.keys(edits).length === 0 ? 0 : PREFLIGHT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [edits, checkPreflight, project.type, project.trigger]);

  const settings = report?.settings ?? null;
  const setValue = (key: FieldKey, value: unknown) => setEdits((e) => ({ ...e, [key]: value }) as TrainingOverrides);

  const onText = (field: TrainingField, text: string) => {
    setDrafts((d) => ({ ...d, [field.key]: text }));
    const parsed = parseField(field, text);
    setInvalid((i) => ({ ...i, [field.key]: parsed.ok ? undefined : parsed.message }));
    if (parsed.ok) setValue(field.key, parsed.value);
  };

  const valueOf = (key: FieldKey): unknown => (edits as Record<string, unknown>)[key] ?? settings?.[key];
  const shown = (fields: TrainingField[]) => fields.filter((f) => fieldShown(f, valueOf));
  /** A hidden field (LoKr's factor once another adapter is chosen) neither blocks the run nor is sent with it. */
  const applicable = (): TrainingOverrides => {
    const hidden = [...mainFields, ...advancedFields].filter((f) => !fieldShown(f, valueOf)).map((f) => f.key as string);
    return Object.fromEntries(Object.entries(edits).filter(([key]) => !hidden.includes(key))) as TrainingOverrides;
  };
  // Until the user picks, "Run on" follows Settings → Compute.
  const choice: RunOnChoice = runChoice ?? (compute?.target === 'queue' ? 'queue-any' : 'this-machine');
  const runOn = runOnFrom(choice, runLabels);
  const onQueue = choice !== 'this-machine';
  // On the queue, memory is each worker's to judge (the services drop this device's memory check for a queued run).
  const shownReport = report && onQueue ? { ...report, errors: report.errors.filter((e) => e.id !== 'memory') } : report;
  const hasInvalid = [...shown(mainFields), ...shown(advancedFields)].some((f) => invalid[f.key]) || !runOn.ok;
  const blocked = !shownReport || !settings || shownReport.errors.length > 0;
  const canTrain = !blocked && !hasInvalid && !checking && !starting;

  const renderField = (field: TrainingField) => {
    const value = valueOf(field.key) ?? (settings ? field.whenAbsent : undefined);
    return (
      <FieldInput
        key={field.key}
        field={field}
        text={drafts[field.key] ?? fieldText(field, value)}
        checked={value === true}
        edited={field.key in edits}
        error={invalid[field.key]}
        reasoning={'reasoning' in field && field.reasoning ? report?.reasoning[field.reasoning] : undefined}
        disabled={!settings || starting}
        onText={(text) => onText(field, text)}
        onChecked={(checked) => setValue(field.key, checked)}
      />
    );
  };

  const estimate = useMemo(() => {
    if (!report?.settings) return null;
    const { memoryMb, diskMb, diskFreeMb } = report.estimate;
    const memory = onQueue ? `${memoryMb.toLocaleString()} MB of memory on its worker` : `${memoryMb.toLocaleString()} MB of memory (${report.device.label}, ${report.device.memoryMb.toLocaleString()} MB)`;
    return `Needs about ${memory} and ${diskMb.toLocaleString()} MB of disk for checkpoints (${diskFreeMb.toLocaleString()} MB free). ${report.imageCount} images included.`;
  }, [report, onQueue]);

  return (
    <form
      className="train-form"
      data-testid="train-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (canTrain && runOn.ok) void startRun(applicable(), name.trim() || undefined, runOn.runOn);
      }}
    >
      <div className="train-form-head">
        <h2>New run</h2>
        <p className="hint">
          The preset for {project.type} LoRAs with the trigger word <span className="trigger">{project.trigger}</span>. Every value can be changed;
          the reasoning under a field explains the proposal.
        </p>
      </div>
      <ErrorMessage message={preflightError} testId="preflight-failed" />
      {!settings && !preflightError && (
        <p className="loading" data-testid="preflight-checking">
          Checking the dataset, the base model and this device…
        </p>
      )}
      <div className="train-fields">
        <div className="train-field wide">
          <label className="field-label" htmlFor="train-run-name">
            Run name <span className="optional">(optional)</span>
          </label>
          <input id="train-run-name" className="input" value={name} placeholder="Run 1, Run 2, …" maxLength={120} onChange={(e) => setName(e.target.value)} data-testid="train-run-name" />
        </div>
        <BaseModelPicker dir={project.dir} disabled={starting} onChanged={() => void checkPreflight(edits)} />
        <RunOnPicker choice={choice} labels={runLabels} error={runOn.ok ? undefined : runOn.message} disabled={starting} onChoice={setRunChoice} onLabels={setRunLabels} />
        {shown(mainFields).map(renderField)}
      </div>
      <details className="train-advanced" data-testid="train-advanced">
        <summary>Advanced options</summary>
        <div className="train-fields">{shown(advancedFields).map(renderField)}</div>
      </details>
      {shownReport && <PreflightProblems report={shownReport} />}
      {estimate && <p className="hint train-estimate">{estimate}</p>}
      <ErrorMessage message={startError} testId="train-start-error" />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={!canTrain} data-testid="train-start">
          {starting ? 'Starting…' : 'Train'}
        </button>
        {checking && settings && <span className="hint">Checking…</span>}
        {shownReport && shownReport.errors.length > 0 && <span className="hint">Fix the problems above to train.</span>}
      </div>
    </form>
  );
}
