"""Disputes (纠纷处理): a complaint about a service becomes a case on its order.

- ``cases``: the rules. A complaint (from a rating, a follow-up call, the chat, the phone, or an
  operator) opens the order's one case, or adds to it while it is open; either side's statement is
  recorded; a reviewer decides once: **uphold** (the service record stands, no ledger effect),
  **partial** (the credit is cut to the minutes that stand: the order's entries are reversed and the
  smaller amount credited again, ``fulfilment.completion.reduce_credit``) or **revoke** (the service is
  revoked, its coins moved back, ``fulfilment.completion.revoke``). Both sides are told by text
  (``messaging.outbox.notify``). The same decision sent again changes nothing; another is refused.
- ``evidence``: what is already on file about the order (check-in/out and their location checks, the
  call or chat it came from, ratings, the follow-up call, its ledger entries).
- ``words``: the Chinese a person reads about a case.
- ``parties``: what the family member and the volunteer read on their own pages: the stage, the decision
  with the coins it moved for their side, their own side's words; anyone else's case is NotFound.

The operator's gate (role, scope, audit) is ``backend.access.disputes``; the API and the console call it. A
request for a person becomes a case through ``backend.access.handoffs.open_case``.

Errors (``backend.core.errors``): ``InvalidInput`` (an unknown side, source or decision, no statement,
no reason, minutes that do not fit), ``Conflict`` (the case is decided already, or the order is not a
credited service), and whatever the ledger raises (``InsufficientBalance`` when the coins to move
back were spent), each before anything is stored or with the caller's transaction rolled back.
"""
