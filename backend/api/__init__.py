"""The REST API: thin routes over the domain services; one handler maps errors to JSON."""
