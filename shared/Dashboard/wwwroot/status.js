// What the pages read from a job's status payload (GET /api/jobs/{id}, and each entry of GET /api/jobs).
export const jobStatuses = ['Pending', 'Running', 'Suspended', 'Completed', 'Failed', 'Terminated'];

const finished = new Set(['Completed', 'Failed', 'Terminated']);

export function isFinished(job) {
  return finished.has(job.runtimeStatus);
}

/** Shards done (succeeded or failed for good), failed and in all; the output's counts once the job completed. */
export function shardCounts(job) {
  const progress = job.customStatus ?? {};
  const output = job.output;
  const total = output?.totalShards ?? job.shards ?? progress.totalShards ?? 0;
  if (output) return { total, done: output.succeededShards + output.failedShards, failed: output.failedShards };
  return { total, done: progress.completedShards ?? 0, failed: progress.failedShards ?? 0 };
}

/** From creation to the last update once finished; to now while it runs. */
export function elapsedMs(job, now = Date.now()) {
  const end = isFinished(job) ? Date.parse(job.lastUpdatedTime) : now;
  return Math.max(0, end - Date.parse(job.createdTime));
}

/** A blob path of the job ("results/{id}/preview.png") as the name the files route takes ("preview.png"). */
export function jobFileName(jobId, blobPath) {
  const prefix = `results/${jobId}/`;
  return blobPath.startsWith(prefix) ? blobPath.slice(prefix.length) : null;
}
