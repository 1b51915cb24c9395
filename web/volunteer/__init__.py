"""The volunteer pages at /volunteer: login and registration, offers (what, when, how far) with accept
and decline, my services (address and a call button once accepted), check-in and check-out at the door
with the phone's position, my hours, stars and ledger, the certificate, and rating the elder (互评).
The rules are the backend's (``backend.volunteers``); these pages only parse, call and render."""
