"""Spoke client: offline-first teleconsultation terminal."""

__version__ = "0.1.0"
