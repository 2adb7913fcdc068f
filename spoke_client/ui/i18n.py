"""Languages and fonts: the bundled Noto Sans Devanagari, and live language switching.

Installing a new QTranslator makes Qt send LanguageChange to every widget; each screen
then runs its retranslate(), so a switch takes effect without a restart.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

ASSETS = Path(__file__).resolve().parents[2] / "assets"
TRANSLATIONS = ASSETS / "translations"
FONTS = ASSETS / "fonts"

# Shown in their own script so a person who reads only that script can find theirs.
LANGUAGES = {"en": "English", "hi": "हिन्दी"}


def load_fonts(app: QApplication) -> list[str]:
    """Register the bundled fonts. Qt falls back to them for Devanagari on a machine with no
    Indic font; Latin text and digits stay in the system's font (listing Noto first would
    mix its digits into English text)."""
    families: list[str] = []
    for path in sorted(FONTS.glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families += [f for f in QFontDatabase.applicationFontFamilies(font_id) if f not in families]
    return families


class Languages:
    """The current language and the translator that carries it."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._translator: QTranslator | None = None
        self.current = "en"

    def switch(self, code: str) -> bool:
        """Switch to ``code``; returns False (staying in English) if its file is missing."""
        if code not in LANGUAGES:
            code = "en"
        if self._translator is not None:
            QCoreApplication.removeTranslator(self._translator)
            self._translator = None
        if code != "en":
            translator = QTranslator(self._app)
            if not translator.load(str(TRANSLATIONS / f"spoke_{code}.qm")):
                self.current = "en"
                return False
            QCoreApplication.installTranslator(translator)
            self._translator = translator
        self.current = code
        return True
