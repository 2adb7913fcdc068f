"""The window: one stack of screens, navigation between them, and the idle auto-lock."""

from __future__ import annotations

import importlib
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from spoke_client.ui.common import LARGE_TEXT, STYLE, AppContext, EventFilterFn, Screen
from spoke_client.ui.i18n import Languages
from spoke_client.ui.login import LoginScreen

# Screens are built the first time they are shown: the login screen comes up without
# waiting for the intake wizard to be built.
SCREENS = {
    "setup": ("spoke_client.ui.setup", "SetupScreen"),
    "home": ("spoke_client.ui.home", "HomeScreen"),
    "find": ("spoke_client.ui.find_patient", "FindPatientScreen"),
    "register": ("spoke_client.ui.register", "RegisterScreen"),
    "intake": ("spoke_client.ui.intake.wizard", "IntakeWizard"),
    "device_check": ("spoke_client.ui.device_check", "DeviceCheckScreen"),
    "sync": ("spoke_client.ui.sync_screen", "SyncScreen"),
    "consult": ("spoke_client.ui.consult_window", "ConsultScreen"),
}

DEFAULT_IDLE_MINUTES = 5
_USER_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, languages: Languages) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.go = self.go
        self.languages = languages
        self.apply_style()  # before any widget exists, so none is polished twice
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.screens = _Screens(self._make_screen)
        starting = Screen(ctx)  # blank until the settings and the store are looked at
        starting.name = "starting"
        self.stack.addWidget(starting)
        self.login = LoginScreen(ctx)
        self.screens["login"] = self.login
        self.stack.addWidget(self.login)
        self.login.unlocked.connect(self._unlocked)
        self.login.language_chosen.connect(self.set_language)
        self.login.large_text_chosen.connect(self.set_large_text)
        self._before_lock: Screen | None = None

        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.timeout.connect(self._idle_timeout)
        self._input_filter = EventFilterFn(self._on_any_event, self)
        self.setWindowTitle(self.tr("Spoke — teleconsultation"))

    # ---- start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Read this desktop's settings, then show setup (first run) or login."""
        self.ctx.bridge.call(self.ctx.bridge.host.startup(), self._started)

    def _started(self, info: dict[str, Any]) -> None:
        # Watching every event for the idle timer starts once the first screen is up.
        QTimer.singleShot(0, lambda: QApplication.instance().installEventFilter(self._input_filter))
        settings = info["settings"]
        self.ctx.settings.update(settings)
        self.set_language(settings.get("language", "en"), save=False)
        self.set_large_text(bool(settings.get("large_text", False)), save=False)
        if info["exists"]:
            self.go("login", operators=info["operators"])
        else:
            self.go("setup")

    def _make_screen(self, name: str) -> Screen:
        module, cls = SCREENS[name]
        screen = getattr(importlib.import_module(module), cls)(self.ctx)
        self.stack.addWidget(screen)
        return screen

    # ---- navigation -------------------------------------------------------------------------
    def go(self, name: str, **params: Any) -> None:
        if name == "lock":
            operator = self.ctx.bridge.host.operator
            if operator is None:
                return
            current = self.stack.currentWidget()
            if current is not self.login:
                self._before_lock = current
            self.login.on_show(locked_operator=operator)
            self.stack.setCurrentWidget(self.login)
            return
        screen = self.screens[name]
        screen.on_show(**params)
        self.stack.setCurrentWidget(screen)
        self._restart_idle()

    def current_screen(self) -> Screen:
        return self.stack.currentWidget()  # type: ignore[return-value]

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.login and self.login.locked_mode

    def _unlocked(self, operator: str) -> None:
        if self.login.locked_mode and self._before_lock is not None:
            back, self._before_lock = self._before_lock, None
            self.stack.setCurrentWidget(back)  # exactly as it was: no reload, nothing lost
            self.login.locked_mode = False
            self._restart_idle()
            return
        self.ctx.settings["last_operator"] = operator
        self.save_settings()
        self.go("home", operator=operator, after_login=True)

    # ---- auto-lock --------------------------------------------------------------------------
    def idle_minutes(self) -> float:
        return float(self.ctx.settings.get("idle_minutes", DEFAULT_IDLE_MINUTES))

    def _restart_idle(self) -> None:
        self.idle.start(int(self.idle_minutes() * 60_000))

    def _on_any_event(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() in _USER_INPUT and self.idle.isActive():
            self._restart_idle()
        return False

    def _idle_timeout(self) -> None:
        if self.ctx.bridge.host.engine is None or self.locked:
            return
        if getattr(self.stack.currentWidget(), "phase", None) in ("joining", "waiting", "call"):
            # Nobody touches the keyboard while talking to the doctor or waiting for one: the
            # consult screen stays up; the timer starts again for after the call.
            self._restart_idle()
            return
        self.go("lock")

    # ---- language and text size -------------------------------------------------------------
    def set_language(self, code: str, save: bool = True) -> None:
        self.languages.switch(code)
        self.ctx.settings["language"] = self.languages.current
        self.login.set_choices(self.languages.current, bool(self.ctx.settings.get("large_text")))
        self.setWindowTitle(self.tr("Spoke — teleconsultation"))
        if save:
            self.save_settings()

    def set_large_text(self, large: bool, save: bool = True) -> None:
        self.ctx.settings["large_text"] = large
        self.apply_style()
        if save:
            self.save_settings()

    def apply_style(self) -> None:
        large = bool(self.ctx.settings.get("large_text"))
        QApplication.instance().setStyleSheet(STYLE + (LARGE_TEXT if large else ""))

    def save_settings(self) -> None:
        host = self.ctx.bridge.host
        self.ctx.bridge.call(host.save_ui_settings(dict(self.ctx.settings)))

    def finish_pending(self, timeout_ms: int) -> bool:
        """On quitting: save what the intake still holds, and let every engine call in
        flight land. Returns False if they did not all land within ``timeout_ms``."""
        wizard = self.screens.get("intake")
        if wizard is not None:
            wizard.flush()
        clock = QElapsedTimer()
        clock.start()
        while clock.elapsed() < timeout_ms:
            idle = wizard is None or wizard.is_idle()
            if idle and self.ctx.bridge.in_flight == 0:
                return True
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return False

    def closeEvent(self, event) -> None:  # noqa: N802
        QApplication.instance().removeEventFilter(self._input_filter)
        super().closeEvent(event)


class _Screens(dict):
    """name → screen, building a screen the first time it is asked for."""

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, name: str) -> Screen:
        screen = self[name] = self._make(name)
        return screen
