"""Matching volunteers to orders: who is eligible, how they rank, and dispatching offers.

Pure parts (``geo``, ``availability``, ``ranking``) know nothing of the database; ``candidates``
gathers what they need in a few queries; ``dispatch`` moves orders through offers and accepts, and
``board`` lets volunteers pick orders themselves (抢单) with exactly one winner.

Errors: ``backend.core.errors`` — Conflict("order_taken") when someone else got there first,
Forbidden for a volunteer acting on an order that is not theirs, PolicyViolation("not_qualified").
"""
