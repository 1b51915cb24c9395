"""The one gate every state-changing operator action passes, from the API and from the console alike.

An action is named (``"order.revoke"``, ``"person.freeze"`` …). Passing the gate means, in this order
and in the caller's transaction:

1. **role** (``rules.RULES``, checked by ``gate.permit``): which operator roles, and whether the
   assistant's service token, may take the action at all. Refused: ``Forbidden`` (403), before any
   record is read, so a refusal says nothing about which records exist;
2. **scope** (``scope``): the record's station must lie in the operator's subtree. Out of scope and
   missing answer the same ``NotFound`` (404), so ids cannot be enumerated;
3. **audit** (``Permit.audit``): one ``AuditEntry`` per operator action, written in the same
   transaction as the change, so both land or neither does.

The use cases that both entrances share live beside it (``orders``, ``people``, ``ledger``,
``followups``, ``calls``): each takes the ``Principal`` acting, passes the gate, calls the domain and returns
what it did with its audit entry. Routes and console pages are a few lines over one of them.

Errors raised here (all ``backend.core.errors``): ``Forbidden`` (role), ``NotFound`` (scope or
missing), and whatever the domain raises (``InvalidInput``, ``Conflict`` …), unchanged.
"""
from backend.access.gate import Permit, permit
from backend.access.principal import Principal

__all__ = ["Permit", "Principal", "permit"]
