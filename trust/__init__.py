"""Trust between Yinling's processes, in the standard library only (imported by both environments:
``.venv`` with the backend, hotline and web pages, ``.venv-bot`` with Rasa and the action server).

- ``trust.claims``: the signed, short-lived caller claim a front door (hotline, family chat) attaches
  to every message it sends the assistant, and the action server verifies;
- ``trust.local_secrets``: the random secrets a first run writes to ``var/secrets.env`` (mode 0600)
  so that no install runs on a secret printed in the source.

Errors: ``ClaimRefused`` (a ``ValueError``) names why a claim cannot be used.
"""
