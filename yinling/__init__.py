"""The Yinling product, assembled: the backend API with the operator console, the family pages and the
hotline beside it (``yinling.app``), how ``make run`` serves it (``yinling.run``) and the ``yinling``
command line (``yinling.cli``).

This is the only package that imports all of ``backend``, ``web``, ``ivr`` and ``speech``; ``backend``
imports none of them, so the backend can be tested, served and reasoned about on its own.
"""
