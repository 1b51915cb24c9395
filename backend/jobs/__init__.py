"""Background work on the job queue: the dispatcher and messaging passes run once across every worker.

With ``YINLING_BACKGROUND=queue`` (PostgreSQL only; ``make run-prod``) the passes of ``backend.matching.loop``
are periodic jobs of procrastinate, a job queue kept in PostgreSQL tables beside the records:

- ``queue.py``: the queue and its jobs. Every worker's queue worker defers the periodic jobs, and the
  database keeps one job per task and scheduled time however many workers try (procrastinate's periodic
  defers); a ``lock`` per task runs its jobs one after another, never side by side.
- ``worker.py``: the queue worker inside each backend process, started and stopped with the app, started
  again when the database went away (a PostgreSQL restart stops procrastinate's worker).

A worker killed in the middle of a job leaves the job ``doing``; its heartbeat stops, and within
``STALLED_AFTER_SECONDS`` the periodic ``retry_stalled`` job (on any surviving worker) puts it back in the
queue. The killed pass's transaction never committed, so the retried pass does the work exactly once.

``YINLING_BACKGROUND=embedded`` (the default, ``make run``, SQLite) keeps ``loop.embedded_loop`` in the one
process instead. Errors: none of its own; a job's database errors are retried by procrastinate
(``DATABASE_RETRY``) and logged.
"""
