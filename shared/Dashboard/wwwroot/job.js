// A job's page: phase and progress, actions, the shard timeline, failures, result and cost, refreshed live.
import { api, apiAll, apiUrl, ApiError } from './api.js';
import { h, fill, progressBar, badge } from './dom.js';
import { count, duration, time, money, quantity } from './format.js';
import { isFinished, shardCounts, elapsedMs, jobFileName } from './status.js';
import { Timeline } from './timeline.js';

/** How often a running job's timeline is read again. */
const CallsEveryMs = 10_000;

export function jobView(root, jobId, { poll }) {
  const path = `jobs/${encodeURIComponent(jobId)}`;
  const title = h('h1', {}, 'Job ', h('span', { class: 'mono' }, jobId));
  const facts = h('div', { class: 'facts', id: 'job-facts' });
  const bar = h('div');
  const jobError = h('div', { class: 'error-box', id: 'job-error' });
  const actionError = h('div', { class: 'error-box', id: 'action-error' });
  const buttons = {
    cancel: action('Cancel', 'cancel', () => api(`${path}/cancel`, { method: 'POST' })),
    suspend: action('Suspend', 'suspend', () => api(`${path}/suspend`, { method: 'POST' })),
    resume: action('Resume', 'resume', () => api(`${path}/resume`, { method: 'POST' })),
    redrive: action('Redrive failures', 'redrive', () => api(`${path}/redrive`, { method: 'POST' })),
    purge: action('Purge with blobs', 'purge', purge, 'danger'),
  };
  const timeline = new Timeline();
  const timelineNote = h('p', { class: 'muted', id: 'timeline-note' });
  const failures = h('div', { id: 'failures' });
  const result = h('div', { id: 'result' });
  const cost = h('div', { id: 'cost' });

  fill(root,
    h('p', {}, h('a', { href: '#/' }, '← All jobs')),
    title, jobError,
    h('div', { class: 'panel' }, facts, bar),
    h('div', { class: 'panel' }, h('h2', {}, 'Actions'), actionError, h('div', { class: 'actions' }, Object.values(buttons))),
    h('div', { class: 'panel' }, h('h2', {}, 'Shard timeline'), timelineNote, timeline.element),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h2', {}, 'Failures'), failures),
      h('div', { class: 'panel' }, h('h2', {}, 'Cost'), cost)),
    h('div', { class: 'panel' }, h('h2', {}, 'Result'), result));

  let job = null;
  // The runtime status the calls and the manifest were last read for, and when the calls were.
  let readFor = null;
  let callsReadAt = 0;

  function action(label, name, run, kind = '') {
    return h('button', {
      type: 'button', class: kind, dataset: { action: name }, disabled: true,
      onclick: async event => {
        event.target.disabled = true;
        fill(actionError);
        try {
          await run();
        } catch (e) {
          fill(actionError, `${label}: ${e.message}`);
        }
        await refresh();
      },
    }, label);
  }

  async function purge() {
    if (!confirm(`Purge job ${jobId} and every blob under results/${jobId}/?`)) return;
    await api(`${path}?blobs=true`, { method: 'DELETE' });
    location.hash = '#/';
  }

  async function refresh() {
    try {
      job = await api(path);
    } catch (e) {
      fill(jobError, e instanceof ApiError && e.status === 404 ? `No job has the id '${jobId}'.` : `Could not read the job: ${e.message}`);
      return;
    }
    showStatus();
    // Listing the calls costs a request a page, so a running job's are read now and then, and once more when it ends.
    const statusChanged = job.runtimeStatus !== readFor;
    if (statusChanged || (!isFinished(job) && Date.now() - callsReadAt >= CallsEveryMs)) {
      readFor = job.runtimeStatus;
      callsReadAt = Date.now();
      await Promise.all([showCalls(), statusChanged ? showFinished() : null]);
    }
  }

  function showStatus() {
    const { total, done, failed } = shardCounts(job);
    const status = job.runtimeStatus;
    title.replaceChildren('Job ', h('span', { class: 'mono' }, jobId), ' ', badge(job.phase));
    fill(facts,
      fact('Workload', job.workload ?? '–'),
      fact('Phase', job.phase),
      fact('Shards done', `${count(done)} of ${count(total)}`),
      fact('Failed shards', count(failed)),
      fact('Started', time(job.createdTime)),
      fact('Duration', duration(elapsedMs(job))));
    fill(bar, progressBar(done, failed, total, true));
    fill(jobError, job.error ?? '');
    buttons.cancel.disabled = !['Pending', 'Running', 'Suspended'].includes(status);
    buttons.suspend.disabled = status !== 'Running';
    buttons.resume.disabled = status !== 'Suspended';
    // Redrive runs failures again, so only a job that ended with some is offered it.
    buttons.redrive.disabled = !['Failed', 'CompletedWithFailures'].includes(job.phase);
    buttons.purge.disabled = !isFinished(job);
  }

  async function showCalls() {
    try {
      const calls = await apiAll(`${path}/calls`, 'calls');
      timeline.update(calls);
      const workers = new Set(calls.map(c => c.worker)).size;
      timelineNote.textContent = `${plural(calls.length, 'activity call')} on ${plural(workers, 'worker')}${isFinished(job) ? '' : ' so far'}.`;
    } catch (e) {
      timelineNote.textContent = `Could not read the calls: ${e.message}`;
    }
  }

  async function showFinished() {
    const manifest = isFinished(job) ? await api(`${path}/manifest`).catch(() => null) : null;
    showFailures(manifest);
    showCost(manifest);
    showResult();
  }

  function showFailures(manifest) {
    if (!manifest) {
      fill(failures, h('p', { class: 'muted' }, isFinished(job) ? 'The job wrote no manifest.' : 'Listed from the manifest once the job has finished.'));
      return;
    }
    const failedShards = manifest.shards.filter(s => s.status === 'Failed');
    const failedFiles = (manifest.items?.files ?? []).filter(f => f.kind === 'Failed' && f.items > 0);
    if (!failedShards.length && !failedFiles.length) {
      fill(failures, h('p', { class: 'muted' }, 'No shard and no item failed.'));
      return;
    }
    fill(failures,
      failedShards.length ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Shard'), h('th', { class: 'num' }, 'Attempts'), h('th', {}, 'Error'))),
        h('tbody', {}, failedShards.map(s => h('tr', { dataset: { shard: s.index } },
          h('td', { class: 'num' }, s.index), h('td', { class: 'num' }, s.attempts), h('td', {}, s.error ?? '–'))))) : null,
      failedFiles.length ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Failed-items file'), h('th', { class: 'num' }, 'Items'), h('th', { class: 'num' }, 'Bytes'))),
        h('tbody', {}, failedFiles.map(f => h('tr', {},
          h('td', {}, fileLink(f.path)), h('td', { class: 'num' }, count(f.items)), h('td', { class: 'num' }, count(f.bytes)))))) : null);
  }

  function fileLink(blobPath) {
    const name = jobFileName(jobId, blobPath);
    return name ? h('a', { class: 'mono', href: apiUrl(`${path}/files/${name}`, { withKey: true }), target: '_blank' }, name) : blobPath;
  }

  function showResult() {
    const value = job.output?.result;
    if (value === undefined || value === null) {
      fill(result, h('p', { class: 'muted' }, isFinished(job) ? 'This job has no result.' : 'The result shows here once the job completes.'));
      return;
    }
    fill(result, h('div', { class: 'result' }, h('pre', { class: 'json' }, JSON.stringify(value, null, 2)), h('div', {}, preview(value))));
  }

  // Images the result names: the preview inline (the full image can be huge), any other one as a link.
  function preview(value) {
    const images = Object.entries(value).filter(([, v]) => typeof v === 'string' && /\.(png|jpe?g|gif|webp)$/i.test(v));
    const inline = images.find(([key]) => /preview/i.test(key)) ?? (images.length === 1 ? images[0] : null);
    return [
      inline ? h('img', { class: 'preview', alt: `${inline[0]} of job ${jobId}`, src: apiUrl(`${path}/files/${jobFileName(jobId, inline[1])}`, { withKey: true }) }) : null,
      images.filter(entry => entry !== inline).map(([key, v]) => h('p', {}, `${key}: `, fileLink(v))),
    ];
  }

  function showCost(manifest) {
    const ledger = manifest?.cost;
    if (!ledger) {
      fill(cost, h('p', { class: 'muted' }, manifest ? 'The manifest holds no cost figures.' : 'Counted in the manifest once the job has finished.'));
      return;
    }
    const estimate = ledger.estimate;
    // Our own blob requests are counted; the engine's queue and table requests are estimated per call and orchestration.
    const requests = [
      ...Object.entries(ledger.storageRequests ?? {}).sort(([a], [b]) => a.localeCompare(b)),
      ...Object.entries(ledger.estimatedEngineRequests ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => [`${kind} (estimated)`, n]),
    ];
    fill(cost,
      h('div', { class: 'facts' },
        fact('Activity-seconds', ledger.activitySeconds?.toFixed(2)),
        fact('CPU-seconds', ledger.cpuSeconds?.toFixed(2)),
        fact('GPU-seconds', ledger.gpuSeconds?.toFixed(2)),
        fact('Activity calls', count(ledger.activityCalls)),
        fact('Orchestrations', count(ledger.orchestrations)),
        fact('Storage requests', count(requests.reduce((sum, [, n]) => sum + n, 0)))),
      estimate ? h('table', { id: 'cost-estimate' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Item'), h('th', { class: 'num' }, 'Quantity'), h('th', { class: 'num' }, 'Unit price'), h('th', { class: 'num' }, 'Amount'))),
        h('tbody', {}, estimate.lines.map(line => h('tr', {},
          h('td', {}, line.item),
          h('td', { class: 'num' }, `${quantity(line.quantity)} ${line.unit}`),
          h('td', { class: 'num' }, money(line.unitPrice, estimate.currency)),
          h('td', { class: 'num' }, money(line.amount, estimate.currency)))),
        h('tr', {}, h('th', { colspan: 3 }, `Estimate (prices as of ${estimate.pricesAsOf})`), h('th', { class: 'num' }, money(estimate.total, estimate.currency))))) : null,
      requests.length ? h('details', {}, h('summary', {}, 'Storage requests by kind'),
        h('table', {}, h('tbody', {}, requests.map(([kind, n]) => h('tr', {}, h('td', { class: 'mono' }, kind), h('td', { class: 'num' }, count(n))))))) : null);
  }

  const stop = poll(refresh, 1500);
  return () => {
    stop();
    timeline.dispose();
  };
}

function plural(n, noun) {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function fact(label, value) {
  return h('div', {}, h('span', {}, label), value ?? '–');
}
