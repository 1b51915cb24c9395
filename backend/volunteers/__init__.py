"""What a volunteer does for themself, from any front door (the volunteer pages, SMS links, the phone).

- ``accounts``: registering on the web (a pending registration an operator verifies) and who may log in
- ``offers``: the offers and open orders a volunteer may take, without the address; accept and decline
- ``door``: check-in and check-out at the elder's door, the position checked by the fulfilment checks
- ``standing``: hours, star level and progress, the ledger in plain words, trainings and qualifications

The volunteer is always the person of the caller's session or verified phone number: no use case here
takes a volunteer id from a form. Errors are ``backend.core.errors`` with the Chinese message to show.
"""
