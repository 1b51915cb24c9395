"""Text messages about orders, through Twilio: offers to volunteers, confirmations to the elder and the
family member who booked, reminders before the visit.

- ``compose``: the wording (pure functions; one short Chinese text per kind)
- ``outbox``: order events → ``OrderMessage`` rows (in the database, so nothing is lost when Twilio is
  down), and delivering the due ones with retries that back off; every message stays on its order
- ``sms``: the Twilio REST client behind one narrow seam (tests hand it a simulated Twilio)

Exceptions: ``SendFailed`` (``sms``) → ``permanent`` says whether retrying can help.
"""
