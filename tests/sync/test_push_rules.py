"""Push against the real hub: a batch the hub finds too large is halved until the one op
that does not fit is found and parked with its reason; everything else goes."""

from __future__ import annotations


def _forge(spoke, entity: str, entity_id: str, payload: dict) -> None:
    """An outbox row no screen would write (a bug, or a damaged record)."""

    def work(s) -> None:
        with s.write():
            s.outbox.add(entity, entity_id, 1, payload)

    spoke.session.worker.call(work)


def test_an_op_too_large_for_the_hub_is_parked_and_the_rest_go(hub, make_spoke):
    spoke = make_spoke()
    spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
    spoke.make_cases(30, seed=3)
    big = spoke.run(
        spoke.engine.register_patient(
            dict(name="Kavita Rao", sex="female", age_years=40, village="Rampur", address="")
        )
    )
    _forge(spoke, "patient", big.id + "-x", {"name": "x" * 3_000_000})
    spoke.make_cases(30, seed=4)
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok, outcome.problem
    assert outcome.rejected == 1
    rejected = spoke.run(spoke.engine.rejected_items())
    assert [(r["entity_id"], r["reject_code"]) for r in rejected] == [(big.id + "-x", "too-large")]
    stats = hub.stats()["facilities"]["HWC-0001"]
    assert stats["encounters"] == 60 and stats["patients"] == 61
    assert spoke.outbox_states() == {"sent": 121, "rejected": 1}


def test_an_op_the_hub_finds_invalid_is_rejected_with_the_reason(hub, make_spoke):
    spoke = make_spoke()
    spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
    spoke.make_cases(5, seed=5)
    _forge(spoke, "patient", "p-broken", {"id": "p-broken", "name": ""})
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok and outcome.rejected == 1
    (item,) = spoke.run(spoke.engine.rejected_items())
    assert item["entity_id"] == "p-broken" and item["reject_code"] == "invalid"
    assert item["last_error"]  # the hub's reason is kept for district IT
    assert hub.stats()["facilities"]["HWC-0001"]["patients"] == 5
