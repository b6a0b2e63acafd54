// The dashboard's entry: a hash router over the three views, and the polling they share.
import { api } from './api.js';
import { jobsView } from './jobs.js';
import { jobView } from './job.js';
import { submitView } from './submit.js';

const view = document.getElementById('view');
const live = document.getElementById('live');
let dispose = () => {};

// GET /api/workloads, read once per page load; the list's filter and the submit form use it.
let workloadCatalog = null;
function workloads() {
  workloadCatalog ??= api('workloads');
  workloadCatalog.catch(() => { workloadCatalog = null; });
  return workloadCatalog;
}

/** Runs fn now and again `ms` after each run ends (never two at once); returns a stop function. */
function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      await fn();
      live.className = 'live on';
    } catch {
      live.className = 'live error';
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    live.className = 'live';
  };
}

/** A job id from the address; a malformed escape (typed by hand) is taken as written instead of blanking the page. */
function decodeHashPart(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function route() {
  dispose();
  const hash = location.hash.replace(/^#\/?/, '');
  const context = { poll, workloads: workloads() };
  const job = /^jobs\/(.+)$/.exec(hash);
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === (hash === 'submit' ? 'submit' : 'jobs'));
  }
  if (job) dispose = jobView(view, decodeHashPart(job[1]), context);
  else if (hash === 'submit') {
    submitView(view, context);
    dispose = () => {};
  } else dispose = jobsView(view, context);
}

window.addEventListener('hashchange', route);
route();
