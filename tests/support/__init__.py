"""Test infrastructure shared by the fault tests and the benchmarks.

``netfault.FaultProxy`` is a loopback TCP proxy that injects network faults (cuts at byte
offsets, rate limits, periodic cuts, a kill hook on the first reply byte, recording and
replay, a black hole, refused connections). ``badhub.BadHub`` is a hub that answers every
request wrongly in one chosen way.
"""
