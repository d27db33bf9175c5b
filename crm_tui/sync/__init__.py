"""Provides replication with the team server: the protocol, the client and the server."""
