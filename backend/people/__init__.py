"""People and their links: elders, volunteers, family members, organisations, qualifications."""
