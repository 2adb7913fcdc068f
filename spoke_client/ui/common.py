"""What every screen shares: the context it is given, and the retranslate/show contract.

A screen takes its ``AppContext`` in the constructor (no globals), sets every visible text
in ``retranslate()`` (called at construction and again on every language change), and is
told it is being shown with ``on_show(**params)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QWidget

from spoke_client.ui.bridge import Bridge


@dataclass
class AppContext:
    """Handed to every screen by the composition root."""

    bridge: Bridge
    go: Callable[..., None]  # go("home"), go("intake", encounter_id=...)
    settings: dict[str, Any] = field(default_factory=dict)
    save_settings: Callable[[], None] = lambda: None
    tz: Any = None


class Screen(QWidget):
    """Base of every screen. Subclasses build widgets in __init__ then call retranslate()."""

    name = "screen"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(self.name)

    @property
    def bridge(self) -> Bridge:
        return self.ctx.bridge

    def retranslate(self) -> None:
        """Set every visible text with self.tr(). Called again after a language switch."""

    def on_show(self, **params: Any) -> None:
        """The screen is about to be shown with these parameters."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def shortcut(self, keys: str, action: Callable[[], None]) -> QShortcut:
        sc = QShortcut(QKeySequence(keys), self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(action)
        return sc


def error_label(parent: QWidget | None = None) -> QLabel:
    """A red message under a field, shown with words (never colour alone)."""
    label = QLabel(parent)
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class EventFilterFn(QObject):
    """Wrap a function as a Qt event filter."""

    def __init__(self, fn: Callable[[QObject, QEvent], bool], parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        return self._fn(watched, event)


STYLE = """
QWidget { font-size: 15px; }
QLabel#title { font-size: 22px; font-weight: bold; }
QLabel#error { color: #b00020; }
QLabel#flag { color: #8a4b00; font-weight: bold; }
QPushButton { padding: 6px 14px; }
QPushButton#primary { font-weight: bold; padding: 10px 22px; }
QPushButton#big { font-size: 20px; font-weight: bold; padding: 18px 30px; }
"""

LARGE_TEXT = "QWidget { font-size: 19px; } QLabel#title { font-size: 27px; }"
