#!/usr/bin/env python3
"""Decode room-sensor payloads for the smart-building app.

Each sensor publishes `room,celsius,unix_ms` as text. The handler reads one message per line
on stdin (the payload as a JSON string) and writes one JSON line per message on stdout: the
decoded `Reading`, or `null` to drop a payload it cannot decode (the reason goes to stderr).
Standard library only.
"""

import json
import logging
import os
import sys
from datetime import datetime, timezone

log = logging.getLogger("decode")


def decode(payload):
    room, celsius, unix_ms = payload.strip().split(",")
    at = datetime.fromtimestamp(int(unix_ms) / 1000, tz=timezone.utc)
    return {
        "room": room,
        "celsius": float(celsius),
        "at": at.isoformat().replace("+00:00", "Z"),
    }


def main():
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper(), stream=sys.stderr)
    for line in sys.stdin:
        try:
            out = decode(json.loads(line))
        except (ValueError, TypeError, AttributeError) as error:
            log.warning("dropping undecodable payload %r: %s", line.strip(), error)
            out = None
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
