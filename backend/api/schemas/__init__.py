"""Request and response schemas, split by direction: ``…Create`` in, ``…Public`` out."""
