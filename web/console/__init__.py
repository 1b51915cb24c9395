"""The operator console: server-rendered pages at /console, scoped to the operator's station subtree."""
