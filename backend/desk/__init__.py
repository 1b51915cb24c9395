"""The service desk: what is waiting for the operators of a station subtree (requests for a person from
the phone and the chat, reviews, registrations and family links to verify, follow-ups due, disputes) in
one inbox (``inbox``); which orders a request for a person can become a dispute case on, and where it was heard
(``handoff_cases``). The actions on a request for a person pass the gate in ``backend.access.handoffs``."""
