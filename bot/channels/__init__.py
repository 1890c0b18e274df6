"""Channels translate messages between the outside world and the rehearsal engine."""
