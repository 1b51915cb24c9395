"""Call records written by the IVR (``records``), read by operators through ``/api/v1/calls``."""
