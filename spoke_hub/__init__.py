"""The reference hub: the sync API a district runs for a pilot (spokes enrol, push their
records, pull what the hub's doctors did, upload media with tus), over SQLite.

Where things are:

- :mod:`.store` ``HubStore``, over :mod:`.db` (schema), with :mod:`.push` (push
  semantics), :mod:`.actions` (case moves, prescriptions, messages: the ``changes`` a spoke
  pulls) and :mod:`.uploads` (tus bookkeeping) mixed in; :mod:`.model` its plain values.
- :mod:`.app` ``create_app(store)``: the FastAPI routes; :mod:`.tus` the ``/v1/files``
  routes; :mod:`.middleware` the protocol gate, hub clock header and body limits;
  :mod:`.errors` the ErrorReply handlers; :mod:`.context` the shared state and device
  dependency.
- :mod:`.backup` backup, restore and the serve lock; :mod:`.cli` ``spoke-hub``.

The wire contract is :mod:`spoke_client.sync.protocol`; of the client the hub imports only
that and :mod:`spoke_client.domain`. Nothing here logs patient data.
"""
