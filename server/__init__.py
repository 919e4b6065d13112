"""Attest's HTTP server (Flask): SPARQL endpoint, provenance API, Linked Data pages."""
