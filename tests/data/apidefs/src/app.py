"""Lambda proxy handlers of the notes API (tests/data/apidefs): payload 1.0 and 2.0 alike."""

from __future__ import annotations

import json
from typing import Any

_NOTES: dict[str, dict[str, str]] = {"7": {"id": "7", "title": "seven"}}


def _answer(status: int, payload: object) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload),
    }


def list_notes(event: dict[str, Any], context: object) -> dict[str, Any]:
    return _answer(200, list(_NOTES.values()))


def create_note(event: dict[str, Any], context: object) -> dict[str, Any]:
    note = json.loads(event.get("body") or "{}")
    note["id"] = str(len(_NOTES) + 1)
    return _answer(201, note)


def get_note(event: dict[str, Any], context: object) -> dict[str, Any]:
    note_id = (event.get("pathParameters") or {}).get("id", "")
    if note_id not in _NOTES:
        return _answer(404, {"message": "not found"})
    return _answer(200, _NOTES[note_id])


def delete_note(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 204, "body": ""}


def search_notes(event: dict[str, Any], context: object) -> dict[str, Any]:
    query = (event.get("queryStringParameters") or {}).get("q", "")
    return _answer(200, [n for n in _NOTES.values() if query in n["title"]])


def get_stats(event: dict[str, Any], context: object) -> dict[str, Any]:
    return _answer(200, {"notes": len(_NOTES)})


def health(event: dict[str, Any], context: object) -> dict[str, Any]:
    return _answer(200, {"ok": True})
