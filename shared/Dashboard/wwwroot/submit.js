// The submit form, built from GET /api/workloads: the workload, its parameters and the spec's own fields. The
// browser does not check the values (novalidate): the API does, and its problem+json errors are shown next to
// the fields they name ("parameters.samples", "shards"), the rest above the form.
import { api, ApiError } from './api.js';
import { h, fill } from './dom.js';

export function submitView(root, { workloads }) {
  const formError = h('div', { class: 'error-box', id: 'form-error' });
  const workloadSelect = h('select', { name: 'workload', id: 'field-workload', onchange: () => showFields() });
  const parameters = h('fieldset', {}, h('legend', {}, 'Parameters'));
  const spec = h('fieldset', {}, h('legend', {}, 'Job'));
  const form = h('form', { class: 'submit', novalidate: true, onsubmit: event => { event.preventDefault(); submit(); } },
    formError,
    field('workload', 'Workload', workloadSelect),
    parameters,
    spec,
    h('div', {}, h('button', { type: 'submit', class: 'primary' }, 'Submit job')));
  fill(root, h('h1', {}, 'Submit a job'), h('div', { class: 'panel' }, form));

  let catalog = null;
  workloads.then(body => {
    catalog = body;
    fill(workloadSelect, body.workloads.map(w => h('option', { value: w.name }, w.name)));
    showFields();
  }).catch(e => fill(formError, `Could not read the workloads: ${e.message}`));

  // Each input knows how to turn its text into the JSON value it sends.
  const inputs = new Map();

  function showFields() {
    const workload = catalog.workloads.find(w => w.name === workloadSelect.value);
    inputs.clear();
    clearErrors();
    fill(workloadSelect.parentElement.querySelector('.hint'), workload?.description ?? '');
    parameters.replaceChildren(h('legend', {}, 'Parameters'));
    spec.replaceChildren(h('legend', {}, 'Job'));
    for (const parameter of workload?.parameters ?? []) parameters.append(input(`parameters.${parameter.name}`, parameter));
    if (!workload?.parameters?.length) parameters.append(h('p', { class: 'muted' }, 'This workload takes no parameters.'));
    if (workload?.kind === 'items') {
      spec.append(input('input', { name: 'input', type: 'json', description: 'The items: {"items": [...]}, {"blob": "container/path"} or {"prefix": "container/prefix"}.', required: true }));
    }
    for (const specField of catalog.specFields ?? []) {
      // Item workloads plan their shards from the input and reject a shard count.
      if (workload?.kind === 'items' && specField.name === 'shards') continue;
      const defaults = specField.name === 'shards' && workload ? { ...specField, default: workload.defaultShards, maximum: workload.maxShards ?? specField.maximum } : specField;
      spec.append(input(specField.name, defaults));
    }
  }

  function input(path, description) {
    const type = description.type;
    const id = `field-${path.replace(/\./g, '-')}`;
    let control;
    if (type === 'boolean') {
      control = h('select', { id, name: path },
        h('option', { value: '' }, description.default === undefined || description.default === null ? '(default)' : `(default: ${description.default})`),
        h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
    } else if (type === 'json') {
      control = h('textarea', { id, name: path, placeholder: '{"items": ["first", "second"]}' });
    } else {
      control = h('input', {
        id, name: path, type: type === 'string' ? 'text' : 'number', step: type === 'integer' ? 1 : 'any',
        min: description.minimum, max: description.maximum,
        placeholder: description.default === null || description.default === undefined ? '' : String(description.default),
      });
    }
    inputs.set(path, { control, type });
    const limits = [
      description.minimum !== undefined && description.minimum !== null ? `min ${description.minimum}` : null,
      description.maximum !== undefined && description.maximum !== null ? `max ${description.maximum}` : null,
      description.default !== undefined && description.default !== null ? `default ${description.default}` : null,
      description.required ? 'required' : null,
    ].filter(Boolean).join(' · ');
    return field(path, description.name ?? path, control, [description.description, limits].filter(Boolean).join(' — '));
  }

  function field(path, label, control, hint = '') {
    return h('div', { class: 'field', dataset: { field: path } },
      h('label', { for: control.id }, label),
      control,
      h('div', { class: 'hint' }, hint),
      h('div', { class: 'field-error', dataset: { errorFor: path } }));
  }

  // The spec as JSON text: integers are written as typed, so a 64-bit seed keeps every digit; text that is not a
  // number of the field's type is sent as a string, for the API to name the field.
  function specJson() {
    const parts = [`"workload":${JSON.stringify(workloadSelect.value)}`];
    const parameterParts = [];
    for (const [path, { control, type }] of inputs) {
      const text = control.value.trim();
      if (text === '') continue;
      const value = jsonValue(text, type);
      if (path.startsWith('parameters.')) parameterParts.push(`${JSON.stringify(path.slice('parameters.'.length))}:${value}`);
      else parts.push(`${JSON.stringify(path)}:${value}`);
    }
    parts.push(`"parameters":{${parameterParts.join(',')}}`);
    return `{${parts.join(',')}}`;
  }

  async function submit() {
    clearErrors();
    try {
      const links = await api('jobs', { method: 'POST', body: specJson() });
      location.hash = `#/jobs/${encodeURIComponent(links.id)}`;
    } catch (e) {
      showErrors(e);
    }
  }

  function showErrors(error) {
    const errors = error instanceof ApiError ? error.problem.errors ?? {} : {};
    const unplaced = [];
    for (const [path, messages] of Object.entries(errors)) {
      const place = form.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
      if (place) {
        place.textContent = messages.join(' ');
        place.closest('.field').classList.add('invalid');
      } else {
        unplaced.push(`${path}: ${messages.join(' ')}`);
      }
    }
    if (!Object.keys(errors).length) unplaced.push(error.message);
    fill(formError, unplaced.join('\n'));
  }

  function clearErrors() {
    fill(formError);
    for (const place of form.querySelectorAll('.field-error')) place.textContent = '';
    for (const invalid of form.querySelectorAll('.field.invalid')) invalid.classList.remove('invalid');
  }
}

function jsonValue(text, type) {
  if (type === 'integer' && /^-?\d+$/.test(text)) return text;
  if (type === 'number' && text !== '' && Number.isFinite(Number(text))) return String(Number(text));
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text;
  if (type === 'json') {
    try { return JSON.stringify(JSON.parse(text)); } catch { return JSON.stringify(text); }
  }
  return JSON.stringify(text);
}
