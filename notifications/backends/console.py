"""The embedded default: messages are printed where ``make run`` shows its log, and sent nowhere."""

from __future__ import annotations

import sys

from notifications.backends.base import BaseBackend


class ConsoleBackend(BaseBackend):
    def send(self, message) -> str:
        recipient = message.recipient
        sys.stdout.write(f"[{message.get_channel_display()}] → {recipient} · {message.title}\n{message.body}\n\n")
        sys.stdout.flush()
        return ""
