"""Settings read at import time, with definitions inside conditions."""

import os
import sys

DEBUG = os.environ.get("APP_DEBUG") == "1"
PORT = int(os.environ.get("APP_PORT", "8080"))
HOSTS = ["localhost", "127.0.0.1"]

if sys.platform == "win32":
    SEPARATOR = "\\"
    HOSTS.append("::1")
else:
    SEPARATOR = "/"

if DEBUG:

    def trace(message: str) -> None:
        print(message, file=sys.stderr)

else:

    def trace(message: str) -> None:
        return None


LIMITS = {
    "requests": 100,
    "burst": 20,
}
WORKERS = max(1, os.cpu_count() or 1)

trace(f"port {PORT}, {WORKERS} workers")
for name in ("HOME", "PATH"):
    value = os.environ.get(name, "")
    trace(f"{name}={value}")

    if not value:
        trace(f"{name} is empty")
