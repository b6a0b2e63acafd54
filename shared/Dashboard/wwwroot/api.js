// The dashboard's only way to the server: the public HTTP API, relative to the page, so it works under any host
// and route prefix (the page is at {prefix}/dashboard/, the API at {prefix}/...).
const apiRoot = new URL('../', document.baseURI);
const keyStorage = 'serverless.functionKey';

// In Azure the API wants a function key. It comes as ?code= in the page's address once; it is kept for this tab
// and taken out of the address bar so that it does not end up in bookmarks or screenshots.
const pageUrl = new URL(location.href);
if (pageUrl.searchParams.has('code')) {
  sessionStorage.setItem(keyStorage, pageUrl.searchParams.get('code'));
  pageUrl.searchParams.delete('code');
  history.replaceState(null, '', pageUrl);
}
const functionKey = sessionStorage.getItem(keyStorage);

/** An answer other than 2xx: its status and problem+json body (title, detail, errors). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

/** The absolute URL of an API path such as "jobs/abc"; with the key in the query for links the browser follows itself. */
export function apiUrl(path, { withKey = false } = {}) {
  const url = new URL(path, apiRoot);
  if (withKey && functionKey) url.searchParams.set('code', functionKey);
  return url.href;
}

/** Calls the API; resolves to the parsed JSON body (null when empty), rejects with an ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (functionKey) headers['x-functions-key'] = functionKey;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(apiUrl(path), { method, headers, body, cache: 'no-store' });
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = { detail: text }; }
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** Every page of a paged list: follows continuationToken until it is null. */
export async function apiAll(path, listName, pageSize = 1000) {
  const items = [];
  let token = null;
  do {
    const query = new URLSearchParams({ pageSize: String(pageSize) });
    if (token) query.set('continuationToken', token);
    const page = await api(`${path}?${query}`);
    items.push(...page[listName]);
    token = page.continuationToken ?? null;
  } while (token);
  return items;
}
