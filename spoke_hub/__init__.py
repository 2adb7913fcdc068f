"""The reference hub: sync API, media, signalling and the doctor console (built by the hub issue)."""
