"""The reference hub: sync API, media, signalling, doctor console (the hub issue)."""
