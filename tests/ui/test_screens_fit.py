"""Every screen at 1366×768, in English and in Hindi: no label, button, field or choice
whose text is wider than the widget that shows it, and the window does not outgrow the
screen."""

from __future__ import annotations

import pytest

from .tour import clipped_texts, tour


@pytest.mark.parametrize("language", ["en", "hi"])
def test_no_text_is_clipped_on_any_screen(qapp, tmp_path, language):
    problems, stops = {}, []
    for name, window in tour(tmp_path / "data", language):
        stops.append(name)
        found = clipped_texts(window)
        if found:
            problems[name] = found
    assert len(stops) == 17
    assert problems == {}


def test_the_check_finds_clipped_text(qapp):
    from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

    window = QWidget()
    layout = QVBoxLayout(window)
    button = QPushButton("Send for review and print the prescription")
    button.setFixedWidth(60)
    label = QLabel("समीक्षा के लिए भेजा गया")
    label.setFixedWidth(30)
    layout.addWidget(button)
    layout.addWidget(label)
    window.resize(200, 100)
    window.show()
    found = clipped_texts(window)
    window.close()
    assert len(found) == 2 and found[0].startswith("button") and found[1].startswith("label")
