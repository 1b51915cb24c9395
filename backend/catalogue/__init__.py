"""The service catalogue: categories and items from the seeds, with tiers and synonyms."""
