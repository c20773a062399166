#!/usr/bin/env python3
"""Decode sensor payloads for the factory-maintenance app.

Usage: decode.py vibration|temperature

Reads one message per line on stdin (the raw payload as JSON) and writes one decoded JSON
message per line on stdout; `null` drops a payload that cannot be decoded (the reason goes to
stderr). Standard library only.
"""

import json
import logging
import os
import sys
from datetime import datetime, timezone

KINDS = {"press": "Press", "spindle": "Spindle", "conveyor": "Conveyor", "pump": "Pump"}

log = logging.getLogger("decode")


def timestamp(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def vibration(p):
    """Accelerometer payload: {"machine", "kind", "rms", "peak_hz"?, "ts"} (rms in mm/s)."""
    return {
        "machine": p["machine"],
        "kind": KINDS[p["kind"]],
        "rms_mm_s": float(p["rms"]),
        "peak_hz": float(p["peak_hz"]) if p.get("peak_hz") is not None else None,
        "at": timestamp(p["ts"]),
    }


def temperature(p):
    """PLC gateway payload: {"machine", "kind", "t_c", "state", "hall_t_c"?, "hall_rh"?, "ts"}."""
    hall = None
    if p.get("hall_t_c") is not None:
        hall = {"celsius": float(p["hall_t_c"]), "humidity": float(p.get("hall_rh", 0.0))}
    return {
        "machine": p["machine"],
        "kind": KINDS[p["kind"]],
        "celsius": float(p["t_c"]),
        "state": int(p["state"]),
        "hall": hall,
        "at": timestamp(p["ts"]),
    }


def main():
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper(), stream=sys.stderr)
    modes = {"vibration": vibration, "temperature": temperature}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        sys.exit("usage: decode.py vibration|temperature")
    decode = modes[sys.argv[1]]
    for line in sys.stdin:
        try:
            out = decode(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            log.warning("dropping undecodable payload: %s", error)
            out = None
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
