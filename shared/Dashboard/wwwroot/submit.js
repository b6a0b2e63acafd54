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

  // GET /api/workloads's body, and per field path the input that holds it and how to turn its text into JSON.
  let catalog = null;
  const inputs = new Map();
  workloads.then(body => {
    catalog = body;
    fill(workloadSelect, body.workloads.map(w => h('option', { value: w.name }, w.name)));
    showFields();
  }).catch(e => fill(formError, `Could not read the workloads: ${e.message}`));

  // The workload's parameters, then the spec's own fields; a field's name is its path in the spec, as the API's
  // errors name it ("parameters.samples", "shards", "retry").
  function showFields() {
    const workload = catalog.workloads.find(w => w.name === workloadSelect.value);
    inputs.clear();
    clearErrors();
    fill(workloadSelect.parentElement.querySelector('.hint'), workload?.description ?? '');
    parameters.replaceChildren(h('legend', {}, 'Parameters'));
    spec.replaceChildren(h('legend', {}, 'Job'));
    for (const parameter of workload?.parameters ?? []) parameters.append(input(parameter));
    if (!workload?.parameters?.length) parameters.append(h('p', { class: 'muted' }, 'This workload takes no parameters.'));
    for (const specField of workload?.fields ?? []) spec.append(input(specField));
  }

  function input(description) {
    const { name: path, type } = description;
    const id = `field-${path.replace(/\./g, '-')}`;
    const hasDefault = description.default !== undefined && description.default !== null;
    let control;
    if (type === 'boolean') {
      control = h('select', { id, name: path },
        h('option', { value: '' }, hasDefault ? `(default: ${description.default})` : '(default)'),
        h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
    } else if (type === 'object') {
      control = h('textarea', { id, name: path, placeholder: examples[path] ?? '{}' });
    } else {
      control = h('input', {
        id, name: path, type: type === 'string' ? 'text' : 'number', step: type === 'integer' ? 1 : 'any',
        min: limit(description.minimum), max: limit(description.maximum), placeholder: hasDefault ? String(description.default) : '',
      });
    }
    inputs.set(path, { control, type });
    const hint = [
      limit(description.minimum) !== undefined ? `min ${description.minimum}` : null,
      limit(description.maximum) !== undefined ? `max ${description.maximum}` : null,
      hasDefault ? `default ${description.default}` : null,
      description.required ? 'required' : null,
    ].filter(Boolean).join(' · ');
    return field(path, path.replace(/^parameters\./, ''), control, hint);
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

// What an object field looks like, shown until one is typed.
const examples = {
  input: '{"items": ["first line", "second line"]}  or  {"blob": "container/path"}  or  {"prefix": "container/prefix"}',
  retry: '{"maxAttempts": 3, "firstRetryIntervalSeconds": 1, "backoffCoefficient": 2, "maxRetryIntervalSeconds": 60}',
};

// A 64-bit limit (the seed's) is no help as a hint or an input bound.
function limit(value) {
  return value === null || value === undefined || Math.abs(value) > Number.MAX_SAFE_INTEGER ? undefined : value;
}

function jsonValue(text, type) {
  if (type === 'integer' && /^-?\d+$/.test(text)) return text;
  if (type === 'number' && text !== '' && Number.isFinite(Number(text))) return String(Number(text));
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text;
  if (type === 'object') {
    try { return JSON.stringify(JSON.parse(text)); } catch { return JSON.stringify(text); }
  }
  return JSON.stringify(text);
}
