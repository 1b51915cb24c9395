"""Yinling backend: people, stations, the service catalogue, orders, the time-coin ledger and
city policy profiles, behind a FastAPI app and the `yinling` command line.

Layers: ``core`` (settings, database, errors, security) → ``models`` (tables) → domain packages
(``people``, ``catalogue``, ``policy``, ``ledger``, ``orders``, ``certificates``) → ``api`` and ``cli``.
"""
