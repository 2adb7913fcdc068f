"""Capture use cases: camera preview, photos with a quality check, attached files, audio
notes and short clips, and the device check. ``engine.capture`` is a ``CaptureDesk``.

Devices run in their own threads (capture layer); this desk starts and stops them off the
event loop, and sends what they produce into the encrypted media vault: recordings are
encoded straight into the vault's encrypting writer, so no clear copy touches the disk.
The preview calls (``latest_frame``, ``camera_status``, ``recording_seconds``,
``microphone_level``) are thread-safe and never block, so the GUI may poll them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spoke_client.capture.camera import Camera, CameraSource
from spoke_client.capture.errors import FileRefused, RecordingEmpty
from spoke_client.capture.microphone import DeviceChoice, Microphone, list_devices, play_test_tone
from spoke_client.capture.photo import assess, decode_image, encode_jpeg, thumbnail_jpeg
from spoke_client.capture.recording import AudioNoteRecorder, ClipRecorder
from spoke_client.domain.ids import new_id
from spoke_client.store.store import Store
from spoke_client.store.worker import StoreWorker

FILE_LIMIT_BYTES = 10 * 1024 * 1024  # a scanned report or a phone photo; more will not cross 2G
AUDIO_NOTE_SECONDS = 120.0
CLIP_SECONDS = 30.0
_FILE_TYPES = (  # recognised by their first bytes, not by their name
    (b"%PDF-", "application/pdf", "document"),
    (b"\xff\xd8\xff", "image/jpeg", "photo"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "photo"),
)


@dataclass(frozen=True)
class PhotoCheck:
    problems: tuple[str, ...]
    sharpness: float
    brightness: float


@dataclass
class CameraHandle:
    camera: Camera


@dataclass
class MicHandle:
    microphone: Microphone


@dataclass
class RecordingHandle:
    kind: str  # "audio" | "video"
    encounter_id: str
    media_id: str
    writer: Any
    recorder: Any
    stop: threading.Event
    thread: threading.Thread
    started: float
    microphone: Microphone | None = None
    errors: list[BaseException] = field(default_factory=list)


class CaptureDesk:
    def __init__(
        self,
        worker: StoreWorker,
        *,
        attach: Callable[..., Any],
        settings: MutableMapping[str, Any],
        save_settings=None,
    ) -> None:
        """``attach`` is ``Engine.attach_media``: one way into the vault for finished media."""
        self.worker = worker
        self._attach = attach
        self.settings = settings
        self._save_settings = save_settings

    async def _off_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    # ---- camera -------------------------------------------------------------------------------
    def camera_source(self) -> CameraSource:
        """From the desktop settings ("camera": {"index"|"name"|"location": …}); the first
        camera by default."""
        raw = dict(self.settings.get("camera") or {})
        known = {"index", "name", "location", "width", "height", "fps"}
        raw = {k: v for k, v in raw.items() if k in known}
        if not ({"index", "name", "location"} & raw.keys()):
            raw["index"] = 0
        return CameraSource(**raw)

    async def open_camera(self) -> CameraHandle:
        camera = Camera(self.camera_source())
        await self._off_loop(camera.start)
        return CameraHandle(camera)

    def latest_frame(self, handle: CameraHandle):
        return handle.camera.latest()

    def camera_status(self, handle: CameraHandle):
        return handle.camera.status()

    async def close_camera(self, handle: CameraHandle) -> None:
        await self._off_loop(handle.camera.stop)

    # ---- photos and files ---------------------------------------------------------------------
    async def check_photo(self, image_rgb) -> PhotoCheck:
        quality = await self._off_loop(assess, image_rgb)
        return PhotoCheck(quality.problems, quality.sharpness, quality.brightness)

    async def attach_photo(self, encounter_id: str, image_rgb) -> str:
        def encode() -> tuple[bytes, bytes]:
            return encode_jpeg(image_rgb), thumbnail_jpeg(image_rgb)

        jpeg, thumb = await self._off_loop(encode)
        return await self._store(encounter_id, [jpeg], "photo", "image/jpeg", thumb)

    async def attach_file(self, encounter_id: str, path: str) -> str:
        """A PDF, JPEG or PNG from disk (a scanned report, an old photo), size-capped."""

        def inspect() -> tuple[str, str, bytes | None]:
            file = Path(path)
            try:
                size = file.stat().st_size
                with file.open("rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise FileRefused(reason="unreadable", name=file.name) from exc
            if size > FILE_LIMIT_BYTES:
                raise FileRefused(reason="too-large", size=size, limit=FILE_LIMIT_BYTES)
            for magic, mime, kind in _FILE_TYPES:
                if head.startswith(magic):
                    thumb = None
                    if kind == "photo":
                        thumb = thumbnail_jpeg(decode_image(file.read_bytes()))
                    return mime, kind, thumb
            raise FileRefused(reason="unsupported-type", name=file.name)

        mime, kind, thumb = await self._off_loop(inspect)
        return await self._store(encounter_id, _chunks(Path(path)), kind, mime, thumb)

    async def _store(self, encounter_id, chunks, kind, mime, thumb) -> str:
        return await self._attach(encounter_id, chunks, kind=kind, mime=mime, thumbnail=thumb)

    # ---- recordings ---------------------------------------------------------------------------
    def _choice(self) -> DeviceChoice:
        return DeviceChoice.from_dict(self.settings.get("audio_devices") or {})

    async def start_audio_note(self, encounter_id: str) -> RecordingHandle:
        microphone = Microphone(self._choice().input_device)
        await self._off_loop(microphone.start)
        try:
            return await self._start(
                encounter_id,
                "audio",
                lambda writer: AudioNoteRecorder(writer, max_seconds=AUDIO_NOTE_SECONDS),
                lambda recorder, stop: recorder.record_from(microphone, stop, AUDIO_NOTE_SECONDS),
                microphone,
            )
        except BaseException:
            await self._off_loop(microphone.stop)
            raise

    async def start_clip(self, encounter_id: str, camera: CameraHandle) -> RecordingHandle:
        return await self._start(
            encounter_id,
            "video",
            lambda writer: ClipRecorder(writer, max_seconds=CLIP_SECONDS),
            lambda recorder, stop: recorder.record_from(camera.camera.latest, stop, CLIP_SECONDS),
        )

    async def _start(self, encounter_id, kind, make_recorder, run, microphone=None):
        media_id = new_id()

        def open_writer(s: Store):
            s.encounters.get(encounter_id)
            return s.media.writer(media_id)

        writer = await self.worker.run(open_writer)
        stop = threading.Event()
        handle = RecordingHandle(
            kind, encounter_id, media_id, writer, None, stop, None, time.monotonic(), microphone
        )

        def body() -> None:  # the encoder is made and fed here, never on the event loop
            try:
                handle.recorder = make_recorder(writer)
                run(handle.recorder, stop)
            except BaseException as exc:  # reported by stop_recording, in words, by the UI
                handle.errors.append(exc)

        handle.thread = threading.Thread(target=body, name=f"record-{kind}", daemon=True)
        handle.thread.start()
        return handle

    def recording_seconds(self, handle: RecordingHandle) -> float:
        return time.monotonic() - handle.started

    def recording_done(self, handle: RecordingHandle) -> bool:
        """True when the recording stopped by itself (its time limit)."""
        return not handle.thread.is_alive()

    async def stop_recording(self, handle: RecordingHandle) -> str:
        handle.stop.set()
        await self._off_loop(handle.thread.join)
        recorded: float = 0
        try:
            if handle.recorder is not None:
                recorded = await self._off_loop(handle.recorder.close)
        except BaseException as exc:
            handle.errors.append(exc)
        finally:
            if handle.microphone is not None:
                await self._off_loop(handle.microphone.stop)
        if not handle.errors and not recorded:
            handle.errors.append(RecordingEmpty(kind=handle.kind))
        if handle.errors:
            await self.worker.run(lambda s: handle.writer.abort())
            raise handle.errors[0]
        mime = "audio/ogg" if handle.kind == "audio" else "video/webm"

        def publish(s: Store) -> str:
            sealed = handle.writer.close()
            try:
                s.attachments.add(handle.encounter_id, sealed, kind=handle.kind, mime=mime)
            except BaseException:
                s.media.delete(handle.media_id)
                raise
            return handle.media_id

        return await self.worker.run(publish)

    # ---- the device check ---------------------------------------------------------------------
    async def open_microphone(self) -> MicHandle:
        microphone = Microphone(self._choice().input_device)
        await self._off_loop(microphone.start)
        return MicHandle(microphone)

    async def close_microphone(self, handle: MicHandle) -> None:
        await self._off_loop(handle.microphone.stop)

    def microphone_level(self, handle: MicHandle | RecordingHandle | None = None) -> float:
        microphone = getattr(handle, "microphone", None)
        if microphone is None:
            return float("-inf")
        if isinstance(handle, MicHandle):
            _drain(microphone)  # nobody else reads this one; a recording's queue is the recorder's
        return microphone.level()

    async def play_test_tone(self) -> None:
        await self._off_loop(lambda: play_test_tone(self._choice().output_device))

    async def devices(self) -> dict[str, Any]:
        found = await self._off_loop(list_devices)
        choice = self._choice()
        return {
            "inputs": [d.name for d in found if d.max_input_channels > 0],
            "outputs": [d.name for d in found if d.max_output_channels > 0],
            "chosen": {"input": choice.input_device, "output": choice.output_device},
        }

    async def choose_devices(self, input_name: str | None, output_name: str | None) -> None:
        self.settings["audio_devices"] = DeviceChoice(input_name, output_name).to_dict()
        if self._save_settings is not None:
            await self._save_settings()


def _chunks(path: Path, size: int = 256 * 1024) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(size), b"")


def _drain(microphone: Microphone) -> None:
    """The level meter only needs the newest chunk: drop the queued ones (bounded anyway)."""
    while microphone.read(0) is not None:
        pass
