"""Workload for the no-clear-media test: run with a fresh HOME and TMPDIR.

    python capture_workload.py DATA_DIR VIDEO

Sets up a store, starts a clip (from VIDEO as the camera) and an audio note (from the
default microphone: the test's null-sink monitor) through the engine, says RECORDING and
waits for a line on stdin, then stops both, attaches a photo, and prints DONE <json>.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta, timezone
from pathlib import Path

from spoke_client.engine.host import EngineHost
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.paths import StorePaths
from spoke_client.store.timestamps import utc_now

IST = timezone(timedelta(hours=5, minutes=30))
PIN = "246810"


def main() -> int:
    data_dir, video = Path(sys.argv[1]), sys.argv[2]
    host = EngineHost(StorePaths(data_dir), clock=utc_now, tz=IST, kdf=KdfParams.light)
    host.start()
    run = host.thread.run
    run(host.set_up("HWC-5", "Capture", "asha", PIN))
    host.settings["camera"] = {"location": video}
    engine = host.engine
    desk = engine.capture
    patient = run(
        engine.register_patient(
            dict(name="Kamla Devi", sex="female", age_years=60, village="Rampur", address="")
        )
    )
    eid = run(engine.save_draft(None, patient.id, {}, "attachments")).encounter_id
    camera = run(desk.open_camera())
    assert camera.camera.wait_for_frame(timeout=10) is not None
    clip = run(desk.start_clip(eid, camera))
    note = run(desk.start_audio_note(eid))
    sys.stdout.write("RECORDING\n")
    sys.stdout.flush()
    sys.stdin.readline()
    ids = {
        "clip": run(desk.stop_recording(clip)),
        "note": run(desk.stop_recording(note)),
        "photo": run(desk.attach_photo(eid, camera.camera.latest().image)),
    }
    run(desk.close_camera(camera))
    sys.stdout.write("DONE " + json.dumps({"encounter": eid, **ids}) + "\n")
    sys.stdout.flush()
    host.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
