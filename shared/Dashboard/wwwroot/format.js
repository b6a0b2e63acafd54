// Formatting of the numbers and times the pages show.
const numberFormat = new Intl.NumberFormat('en-US');

export function count(value) {
  return value === null || value === undefined ? '–' : numberFormat.format(value);
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function time(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return date.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function money(amount, currency) {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD', maximumSignificantDigits: 4 }).format(amount);
  } catch {
    // A currency setting that is not an ISO 4217 code: show it as written rather than break the page.
    return `${amount} ${currency}`;
  }
}

/** A billed quantity: small ones (0.0004 of 10k operations) keep their significant digits instead of rounding to 0. */
export function quantity(value) {
  return value > 0 && value < 1 ? new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 }).format(value) : count(value);
}

/** Shards as a compact list: [0,1,2,5] -> "0–2, 5". */
export function shardList(shards) {
  const parts = [];
  for (let i = 0; i < shards.length; i++) {
    let j = i;
    while (j + 1 < shards.length && shards[j + 1] === shards[j] + 1) j++;
    parts.push(j > i ? `${shards[i]}–${shards[j]}` : `${shards[i]}`);
    i = j;
  }
  return parts.join(', ');
}
