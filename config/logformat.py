"""Log lines as JSON (one object per line) or text, each with the id of the request it belongs to.

Loaded by LOGGING before the apps are ready, so it imports nothing from Django.
"""

import contextvars
import json
import logging

request_id_var = contextvars.ContextVar("request_id", default="-")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the access fields when present."""

    FIELDS = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record):
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if getattr(record, "status_code", None):  # django.request's own error lines
            data["status"] = record.status_code
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return super().format(record)

