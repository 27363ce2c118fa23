"""An import refuses a file that cannot be one state of the register (torn by an export that
was not a snapshot, or altered since), naming what is wrong, before it writes anything."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.backup.test_backup import make_activity, same_backend
from tests.cli.test_cli import run

Document = dict[str, Any]


def rows(document: Document, table: str) -> list[dict[str, Any]]:
    return document["tables"][table]


def noted(document: Document) -> tuple[dict[str, Any], dict[str, Any]]:
    """A note and its entry in the history."""
    note = rows(document, "progress_note")[-1]
    (entry,) = (
        entry
        for entry in rows(document, "commitment_history")
        if entry["field"] == "note" and entry["new_value"] == note["public_id"]
    )
    return note, entry


def without_a_commitment(document: Document) -> str:
    """A commitment created after its table was read, its history read later."""
    commitment = rows(document, "commitment").pop()
    return f"commitment_id {commitment['id']}, a commitment not in the file"


def with_history_ahead(document: Document) -> str:
    """A change committed between the reading of the commitments and of their history."""
    _note, entry = noted(document)
    (commitment,) = (c for c in rows(document, "commitment") if c["id"] == entry["commitment_id"])
    commitment["version"] -= 1
    return (
        f"is version {entry['version']} of {commitment['ref']}, which the file holds at "
        f"version {commitment['version']}"
    )


def with_a_note_unrecorded(document: Document) -> str:
    """A note committed between the reading of the history and of the notes."""
    note, entry = noted(document)
    rows(document, "commitment_history").remove(entry)
    return f"note {note['public_id']} has no entry in its commitment's history"


def with_history_behind(document: Document) -> str:
    _note, entry = noted(document)
    (commitment,) = (c for c in rows(document, "commitment") if c["id"] == entry["commitment_id"])
    commitment["version"] += 1
    return (
        f"{commitment['ref']} is at version {commitment['version']} but the file's history "
        f"of it ends at version {entry['version']}"
    )


def with_rows_that_are_not_rows(document: Document) -> str:
    document["tables"]["commitment"] = {"rows": []}
    return "the export is damaged: its tables are not lists of rows"


TEARS = [
    without_a_commitment,
    with_history_ahead,
    with_a_note_unrecorded,
    with_history_behind,
    with_rows_that_are_not_rows,
]


Damage = Callable[[Document], str]


def refused_each(
    damages: list[Damage], database_url: str, databases, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """Each damaged copy of an export, refused by an import into an empty target: (the
    damage's name, what the import said); then the export itself goes into that target, so
    none of the refused ones wrote anything."""
    make_activity(database_url)
    exported = tmp_path / "export.json"
    assert run("export", str(exported), database_url=database_url).returncode == 0
    target = same_backend(databases)
    for damage in damages:
        document = json.loads(exported.read_text())
        expected = damage(document)
        damaged = tmp_path / f"{damage.__name__}.json"
        damaged.write_text(json.dumps(document))
        refused = run("import", str(damaged), database_url=target)
        assert refused.returncode == 2, (damage.__name__, refused.stdout, refused.stderr)
        assert "Traceback" not in refused.stderr
        assert expected in refused.stderr, (damage.__name__, refused.stderr)
        yield damage.__name__, refused.stderr
    # Nothing was written: the target is still empty (an import takes an empty one only).
    imported = run("import", str(exported), database_url=target)
    assert imported.returncode == 0, imported.stderr


def test_a_torn_export_is_refused_and_nothing_imported(
    database_url: str, databases, tmp_path: Path
) -> None:
    for _, said in refused_each(TEARS, database_url, databases, tmp_path):
        assert "nothing was imported" in said or "damaged" in said


def with_a_note_deleted(document: Document) -> str:
    """A note taken out of the file, its entry in the history kept: notes are never deleted."""
    note, entry = noted(document)
    rows(document, "progress_note").remove(note)
    return f"commitment_history (id {entry['id']}) records note {note['public_id']}, not in"


def with_a_key_twice(document: Document) -> str:
    rows(document, "commitment").append(dict(rows(document, "commitment")[0]))
    return f"commitment (id {rows(document, 'commitment')[0]['id']}) repeats the id"


def with_a_history_entry_twice(document: Document) -> str:
    history = rows(document, "commitment_history")
    history.append(history[0] | {"id": 999999})
    return "commitment_history (id 999999) repeats the commitment_id"


def with_an_unknown_column(document: Document) -> str:
    rows(document, "commitment")[0]["bogus"] = 1
    return "has a column bogus, which commitment lacks"


def with_a_required_value_missing(document: Document) -> str:
    del rows(document, "commitment")[0]["title"]
    return "has no title, which it needs"


def with_a_bad_date(document: Document) -> str:
    rows(document, "commitment")[0]["created_at"] = "yesterday"
    return 'has created_at "yesterday", not a timezone-aware date and time'


def with_a_bad_integer(document: Document) -> str:
    rows(document, "commitment")[0]["version"] = "7"
    return 'has version "7", not an integer'


def with_a_value_the_database_refuses(document: Document) -> str:
    """Beyond what the checks see (here a CHECK constraint): the database's own refusal."""
    rows(document, "progress_note")[0]["percent_complete"] = 150
    return "the database refused the import, so nothing was imported"


MALFORMED = [
    with_a_note_deleted,
    with_a_key_twice,
    with_a_history_entry_twice,
    with_an_unknown_column,
    with_a_required_value_missing,
    with_a_bad_date,
    with_a_bad_integer,
    with_a_value_the_database_refuses,
]


def test_a_malformed_export_is_refused_in_one_line_and_nothing_imported(
    database_url: str, databases, tmp_path: Path
) -> None:
    for name, said in refused_each(MALFORMED, database_url, databases, tmp_path):
        assert "nothing was imported" in said, name
        # One line: no traceback, no driver's noise after it.
        assert len(said.strip().splitlines()) == 1, (name, said)
