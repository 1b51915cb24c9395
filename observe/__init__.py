"""What an operator of the line watches: structured logs that name the call or conversation on every
line (``observe.logs``, standard library only, imported by both environments), and the Prometheus
metrics of the app process (``observe.metrics``, prometheus_client, app environment only).

Neither carries personal data: a log line's id is a call SID or a Rasa conversation id, metric labels
are fixed words (outcome, mode, state), never a number, name or text anyone said.
"""
