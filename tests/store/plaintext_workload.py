"""Workload for the no-plaintext test: run with a fresh HOME, TMPDIR and SPOKE_DATA_DIR.

Creates the store, registers the patients listed in the JSON file given (through the engine
threads, as the app does), saves a draft and attaches a "photo" that embeds the patient's
name and numbers for every 10th one, then says OPEN and waits for a line on stdin before
closing, so the test can scan the files while the store is open and again after.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta, timezone
from pathlib import Path

from spoke_client.engine.session import EngineSession
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths
from spoke_client.store.timestamps import utc_now

IST = timezone(timedelta(hours=5, minutes=30))


def main() -> int:
    data_dir, people_file, pin = sys.argv[1], sys.argv[2], sys.argv[3]
    people = json.loads(Path(people_file).read_text())
    paths = StorePaths(Path(data_dir))
    created, _code = Store.create(
        paths,
        facility_code="HWC-9",
        facility_name="Plaintext",
        operator="asha",
        pin=pin,
        kdf=KdfParams.light(),
    )
    created.close()
    opener = lambda: Store.open(paths, operator="asha", pin=pin)  # noqa: E731
    with EngineSession(opener, clock=utc_now, tz=IST) as session:
        engine = session.engine
        for i, person in enumerate(people):
            patient = session.run(engine.register_patient(person))
            if i % 10 == 0:
                draft = {"complaint_note": f"{person['name']} {person['mobile']}", "pulse": "88"}
                saved = session.run(engine.save_draft(None, patient.id, draft, "vitals"))
                marker = f"{person['name']}|{person['mobile']}|{person['abha_number']}"
                photo = (
                    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
                    + marker.encode("utf-8")
                    + marker.encode("utf-16-le")
                    + bytes(range(256)) * 600
                )
                session.run(
                    engine.attach_media(
                        saved.encounter_id, [photo], kind="photo", mime="image/jpeg"
                    )
                )
        found = session.run(engine.search_patients(people[0]["name"]))
        assert found and found[0].name == people[0]["name"]
        sys.stdout.write("OPEN\n")
        sys.stdout.flush()
        sys.stdin.readline()
    sys.stdout.write("CLOSED\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
