"""City policy profiles: one YAML file each, validated when the process starts.

PolicyError (a YinlingError) is raised for a missing or malformed profile, naming the file and
the field at fault.
"""
from backend.policy.model import PolicyProfile, Tier
from backend.policy.loader import PolicyError, available_profiles, load_profile

__all__ = ["PolicyProfile", "Tier", "PolicyError", "available_profiles", "load_profile"]
