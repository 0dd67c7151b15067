import { useState, type FormEvent } from 'react';
import { subjectKindLabels, subjectKinds, type LoraType, type SubjectKind } from '@lora-studio/api';
import { errorMessage, fieldErrors } from '../../client';
import { loraTypeGuide, triggerWordHint } from '../../guide';
import { navigate } from '../../routing/use-route';
import { useStudio } from '../../store';
import { ErrorMessage } from '../../components/ErrorMessage';

const loraTypes = Object.keys(loraTypeGuide) as LoraType[];

/** New project: name, optional folder, what the LoRA learns, and its trigger word. Creating opens it. */
export function CreateProjectForm() {
  const createProject = useStudio((s) => s.createProject);
  const home = useStudio((s) => s.appInfo?.home);
  const [name, setName] = useState('');
  const [dir, setDir] = useState('');
  const [type, setType] = useState<LoraType>('subject');
  const [subjectKind, setSubjectKind] = useState<SubjectKind>('person');
  const [trigger, setTrigger] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const project = await createProject({ name, type, trigger, ...(type === 'subject' ? { subjectKind } : {}), ...(dir.trim() ? { dir: dir.trim() } : {}) });
      navigate({ screen: 'project', dir: project.dir, section: 'dataset' });
    } catch (err) {
      const byField = fieldErrors(err);
      setFields(byField);
      // Field messages sit beside their fields; anything else (a folder conflict, a lost connection) goes below.
      if (Object.keys(byField).length === 0) setError(errorMessage(err));
      setBusy(false);
    }
  };

  const example = loraTypeGuide[type].captionExample(trigger.trim() || 'sks');

  return (
    <form className="panel create-form" data-testid="create-project-form" onSubmit={(e) => void submit(e)} noValidate>
      <h2 className="panel-title">New project</h2>

      <label className="field">
        <span className="field-label">Name</span>
        <input
          className="input"
          data-testid="create-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Mia portraits"
          aria-invalid={Boolean(fields.name)}
          required
        />
        <ErrorMessage message={fields.name} testId="create-name-error" />
      </label>

      <label className="field">
        <span className="field-label">Folder <span className="optional">optional</span></span>
        <input
          className="input mono"
          data-testid="create-folder"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          placeholder={home ? `${home}/projects/<name>` : 'a full path; default: in the studio’s projects folder'}
          aria-invalid={Boolean(fields.dir)}
          spellCheck={false}
        />
        <ErrorMessage message={fields.dir} testId="create-folder-error" />
      </label>

      <fieldset className="field type-choice">
        <legend className="field-label">What should the LoRA learn?</legend>
        {loraTypes.map((t) => (
          <label key={t} className={`type-option${type === t ? ' selected' : ''}`}>
            <input
              type="radio"
              name="lora-type"
              value={t}
              data-testid={`create-type-${t}`}
              checked={type === t}
              onChange={() => setType(t)}
            />
            <span>
              <span className="type-name">{loraTypeGuide[t].label}</span>
              <span className="type-explanation">{loraTypeGuide[t].explanation}</span>
            </span>
          </label>
        ))}
      </fieldset>

      {type === 'subject' && (
        <fieldset className="field subject-kind-choice">
          <legend className="field-label">Who or what is the subject?</legend>
          {subjectKinds.map((k) => (
            <label key={k} className={`type-option${subjectKind === k ? ' selected' : ''}`}>
              <input type="radio" name="subject-kind" value={k} data-testid={`create-subject-${k}`} checked={subjectKind === k} onChange={() => setSubjectKind(k)} />
              <span className="type-name">{subjectKindLabels[k]}</span>
            </label>
          ))}
          <span className="hint">Face checks (no face found, several faces) apply to people only.</span>
        </fieldset>
      )}

      <label className="field">
        <span className="field-label">Trigger word</span>
        <input
          className="input mono"
          data-testid="create-trigger"
          value={trigger}
          onChange={(e) => setTrigger(e.target.value)}
          placeholder="sks"
          aria-invalid={Boolean(fields.trigger)}
          aria-describedby="trigger-hint"
          spellCheck={false}
          required
        />
        <span className="hint" id="trigger-hint">
          {triggerWordHint} A caption: <q>{example}</q>
        </span>
        <ErrorMessage message={fields.trigger} testId="create-trigger-error" />
      </label>

      <ErrorMessage message={error} testId="create-error" />
      <div className="form-actions">
        <button type="submit" className="button primary" data-testid="create-submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
      </div>
    </form>
  );
}
