// The jobs list: newest first, filtered by status and workload, paged by the API's continuation token, refreshed live.
import { api } from './api.js';
import { h, fill, progressBar, badge } from './dom.js';
import { count, duration, time } from './format.js';
import { jobStatuses, shardCounts, elapsedMs } from './status.js';

const pageSize = 20;

export function jobsView(root, { poll, workloads }) {
  // tokens[i] is the continuation token that fetches page i (null for the first).
  const state = { status: '', workload: '', tokens: [null], page: 0, next: null };
  const statusSelect = h('select', { name: 'status', onchange: () => restart({ status: statusSelect.value }) },
    h('option', { value: '' }, 'Any status'), jobStatuses.map(s => h('option', { value: s }, s)));
  const workloadSelect = h('select', { name: 'workload', onchange: () => restart({ workload: workloadSelect.value }) },
    h('option', { value: '' }, 'Any workload'));
  // Without the catalogue the filter offers only 'any'; the list itself still works.
  workloads.then(body => workloadSelect.append(...body.workloads.map(w => h('option', { value: w.name }, w.name)))).catch(() => {});
  const error = h('div', { class: 'error-box' });
  const body = h('tbody');
  const newer = h('button', { type: 'button', onclick: () => go(-1) }, '← Newer');
  const older = h('button', { type: 'button', onclick: () => go(1) }, 'Older →');
  const pageLabel = h('span', { class: 'muted' });

  fill(root,
    h('h1', {}, 'Jobs'),
    h('div', { class: 'toolbar' },
      h('label', {}, 'Status', statusSelect),
      h('label', {}, 'Workload', workloadSelect),
      h('a', { href: '#/submit', class: 'muted', style: 'margin-left:auto' }, '+ Submit a job')),
    error,
    h('div', { class: 'panel', style: 'padding:0' },
      h('table', { id: 'jobs' },
        h('thead', {}, h('tr', {},
          h('th', {}, 'Job'), h('th', {}, 'Workload'), h('th', {}, 'Phase'), h('th', { class: 'num' }, 'Shards done / failed / total'),
          h('th', {}, 'Progress'), h('th', {}, 'Started'), h('th', { class: 'num' }, 'Duration'))),
        body)),
    h('div', { class: 'pager' }, newer, pageLabel, older));

  function restart(change) {
    Object.assign(state, change, { tokens: [null], page: 0 });
    refresh();
  }

  function go(step) {
    if (step > 0 && state.next) state.tokens[state.page + 1] = state.next;
    state.page = Math.max(0, state.page + step);
    refresh();
  }

  async function refresh() {
    const requested = currentQuery();
    try {
      const page = await api(`jobs?${requested}`);
      if (requested !== currentQuery()) return; // a filter or page changed while this was in flight
      state.next = page.continuationToken ?? null;
      fill(error);
      fill(body, page.jobs.length ? page.jobs.map(row) : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No jobs.')));
    } catch (e) {
      fill(error, `Could not list jobs: ${e.message}`);
    }
    newer.disabled = state.page === 0;
    older.disabled = !state.next;
    pageLabel.textContent = `Page ${state.page + 1}`;
  }

  function currentQuery() {
    const query = new URLSearchParams({ pageSize: String(pageSize) });
    if (state.status) query.set('status', state.status);
    if (state.workload) query.set('workload', state.workload);
    if (state.tokens[state.page]) query.set('continuationToken', state.tokens[state.page]);
    return query.toString();
  }

  function row(job) {
    const { total, done, failed } = shardCounts(job);
    return h('tr', { dataset: { jobId: job.instanceId } },
      h('td', {}, h('a', { class: 'mono', href: `#/jobs/${encodeURIComponent(job.instanceId)}` }, job.instanceId)),
      h('td', {}, job.workload ?? '–'),
      h('td', {}, badge(job.phase)),
      h('td', { class: 'num' }, `${count(done)} / ${count(failed)} / ${count(total)}`),
      h('td', {}, progressBar(done, failed, total)),
      h('td', {}, time(job.createdTime)),
      h('td', { class: 'num' }, duration(elapsedMs(job))));
  }

  return poll(refresh, 2000);
}
