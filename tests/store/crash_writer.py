"""Writer subprocess for the crash-durability test.

Opens the store, then saves complete encounters (patient + vitals + outbox rows, one
transaction each) for ever or ``--count`` times, writing ``COMMITTED <encounter> <patient>``
to stdout after each commit returns. The test SIGKILLs it at random moments.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from spoke_client.domain.complaints import ComplaintEntry, Severity
from spoke_client.domain.encounter import Consent, Encounter, History, Specialty
from spoke_client.domain.patient import Patient, Sex
from spoke_client.domain.vitals import read_vitals
from spoke_client.store.store import Store, StorePaths


def make_case(rng: random.Random, today: date) -> tuple[Patient, Encounter]:
    patient = Patient.create(
        today=today,
        name="Crash " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)),
        sex=Sex.FEMALE,
        age_years=rng.randrange(20, 70),
        mobile=f"9{rng.randrange(10**9):09d}",
        village="Testpur",
        address="",
    )
    vitals = read_vitals(
        {
            "systolic": rng.randrange(100, 160),
            "diastolic": rng.randrange(60, 95),
            "pulse": rng.randrange(60, 110),
            "temperature": 37.0,
            "spo2": 98,
            "weight": 55,
            "height": 158,
        }
    )
    encounter = replace(
        Encounter.new(patient.id),
        vitals=vitals,
        complaints=(
            ComplaintEntry.create(code="FEVER", duration_days=2, severity=Severity.MILD, note=""),
        ),
        history=History.create(
            today=today, conditions=(), pregnant=False, lmp=None, allergies="", medicines=""
        ),
    )
    ready = encounter.complete_intake(
        specialty=Specialty.GENERAL_MEDICINE,
        consent=Consent(
            given=True, operator_id="asha", at=datetime.now(UTC), accompanying_adult=None
        ),
        patient_is_minor=False,
    )
    return patient, ready


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--pin", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=0, help="0 = until killed")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    store = Store.open(StorePaths(Path(args.data_dir)), operator="asha", pin=args.pin)
    today = date.today()
    n = 0
    while args.count == 0 or n < args.count:
        patient, encounter = make_case(rng, today)
        store.encounters.save(encounter, patient=patient)
        sys.stdout.write(f"COMMITTED {encounter.id} {patient.id}\n")
        sys.stdout.flush()
        n += 1
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
