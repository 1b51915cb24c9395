"""The volunteer mall (志愿商城) and care measures (关爱措施): what hours buy.

- ``catalogue``: partners (museum, bus company, restaurant, the station's desk …), goods (price in coins,
  stock, where to collect) and benefits (a star level or hours threshold, a partner, what they give);
- ``redemption``: a volunteer exchanges coins for an item through the ledger's goods redemption (the
  policy's goods share and the balance), gets a one-time collection code the partner confirms once; an
  operator can reverse it (ledger reversal, stock back);
- ``benefits``: the care measures a person qualifies for, each with a code a partner can verify.

Errors are the domain's own (``backend.core.errors``): ``InvalidInput`` for a bad form,
``NotFound`` for an unknown item or code, ``Conflict`` for stock gone or a code already used,
``PolicyViolation`` / ``InsufficientBalance`` from the ledger. Each carries its Chinese message.
Operators reach these through ``backend.access.mall`` (role, scope, audit).
"""
