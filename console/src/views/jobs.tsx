/** Jobs: filter by status (dead letters included), retry failed or dead ones, cancel live ones. */
import { useEffect, useState } from 'preact/hooks';
import type { Access } from '../app.js';
import { api, formatDate, query, type Job, type Page } from '../api.js';
import { ErrorText, Pager, Section, StatusBadge, useCursorPages, useLoad } from '../ui.js';

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead'];

export function JobsView({ access }: { access: Access }) {
  const [status, setStatus] = useState('');
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { data, error, reload } = useLoad(
    () => api<Page<Job>>('GET', `/v1/jobs${query({ status, cursor, limit: 25 })}`),
    [status, cursor],
  );
  const writable = access.can('documents:write');

  // Live progress: while a job is queued or running, look again every 1.5 s.
  useEffect(() => {
    if (!data?.data.some((job) => job.status === 'queued' || job.status === 'running')) return;
    const timer = setTimeout(reload, 1500);
    return () => clearTimeout(timer);
  }, [data]);

  function act(job: Job, action: 'retry' | 'cancel'): void {
    api('POST', `/v1/jobs/${job.id}/${action}`).then(() => {
      setNotice(action === 'retry' ? `Job ${job.id} queued again.` : `Job ${job.id} cancelled.`);
      setActionError(null);
      reload();
    }, setActionError);
  }

  return (
    <Section title="Jobs">
      <div class="filters">
        <div class="field">
          <label for="jobs-status">Status</label>
          <select
            id="jobs-status"
            value={status}
            onChange={(event) => {
              pages.restart();
              setStatus(event.currentTarget.value);
            }}
          >
            <option value="">Any</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={actionError ?? error} />
      {data !== null && data.data.length === 0 && <p>No jobs.</p>}
      {data !== null && data.data.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">Jobs</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Error</th>
                <th scope="col">Created</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {data.data.map((job) => (
                <tr key={job.id} data-testid="job-row" data-job={job.id}>
                  <td>
                    {job.type}{' '}
                    {job.document_id ? (
                      <a href={`#/documents/${job.document_id}`}>{job.id}</a>
                    ) : (
                      job.id
                    )}
                  </td>
                  <td>
                    <StatusBadge status={job.status} />
                  </td>
                  <td>
                    {job.progress.total > 0 ? (
                      <>
                        <progress
                          aria-label={`Progress of ${job.id}`}
                          max={job.progress.total}
                          value={job.progress.done}
                        />{' '}
                        {job.progress.done}/{job.progress.total} {job.progress.unit}
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td class="num">
                    {job.attempts}/{job.max_attempts}
                  </td>
                  <td>{job.error ? `${job.error.code}: ${job.error.message}` : ''}</td>
                  <td>{formatDate(job.created_at)}</td>
                  {writable && (
                    <td>
                      {(job.status === 'failed' || job.status === 'dead') && (
                        <button type="button" onClick={() => act(job, 'retry')}>
                          Retry<span class="visually-hidden"> {job.id}</span>
                        </button>
                      )}
                      {(job.status === 'queued' || job.status === 'running') && (
                        <button type="button" class="secondary" onClick={() => act(job, 'cancel')}>
                          Cancel<span class="visually-hidden"> {job.id}</span>
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Pages of jobs" pages={pages} next={data?.next_cursor} />
    </Section>
  );
}
