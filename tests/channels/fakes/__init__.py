"""Fakes of outside services (loopback servers) for tests and benches."""
