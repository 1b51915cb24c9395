"""Process-wide plumbing: settings, database engine and sessions, errors, security helpers."""
