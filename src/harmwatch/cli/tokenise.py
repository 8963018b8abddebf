"""``harmwatch tokenise KIND FILE``: pseudonymise a partner's file before it is shared.

The work is done by :func:`harmwatch.ingest.pseudonymise.tokenise_file`; this
is its command-line wrapper. The key is read from ``--key-file`` and is never
printed, logged or written.
"""

from __future__ import annotations

from pathlib import Path

import click

from harmwatch.cli.common import emit_json, json_option
from harmwatch.errors import HarmWatchError

#: Problems listed after the summary line (all are in ``--json``).
_PROBLEMS_SHOWN = 20


@click.command("tokenise")
@click.argument("kind", metavar="KIND")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--key-file",
    required=True,
    type=click.Path(path_type=Path),
    help="File holding the key agreed between the partners (at least 16 bytes).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The tokenised CSV to write (replaced if it exists; never FILE itself).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(path_type=Path),
    help="YAML mapping of the file's own layout onto the contract (see docs/mappings.md).",
)
@click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first).")
@click.option(
    "--drop",
    metavar="COLUMN",
    multiple=True,
    help="A column to leave out of the output (repeatable), e.g. an address column.",
)
@json_option
def command(
    kind: str,
    file: Path,
    key_file: Path,
    out: Path,
    mapping_file: Path | None,
    sheet: str | None,
    drop: tuple[str, ...],
    as_json: bool,
) -> None:
    """Replace the identifiers in FILE by person_token and write --out as CSV.

    KIND is one of: police_people, deaths, council_referrals, ed_assaults.
    forename, surname, date_of_birth, postcode and nhs_number are removed;
    person_token is a keyed hash (HMAC-SHA256) of the normalised surname,
    forename and date of birth (else the NHS number), the same in every
    partner's file for the same person and key. An empty age is filled with
    the age at the record's date. Other columns are written as given.

    Rows that fail validation are still written, without identifiers and
    without a token, and reported (run `harmwatch ingest` on the output as
    usual: it quarantines them). Rows that cannot be read at all are left out
    and reported. Columns outside the contract that look like identifiers
    (name, dob, address...) are refused: map them with --mapping or --drop
    them.
    """
    from harmwatch.ingest.mapping import Mapping
    from harmwatch.ingest.pseudonymise import read_key
    from harmwatch.ingest.tokenise import tokenise_file

    if out.resolve() == key_file.resolve() or (
        out.exists() and key_file.exists() and out.samefile(key_file)
    ):
        raise HarmWatchError(f"--out {out} is the key file: write the tokenised copy elsewhere")
    key = read_key(key_file)
    mapping = Mapping.load(mapping_file) if mapping_file else None
    result = tokenise_file(kind, file, out, key, mapping=mapping, sheet=sheet, drop=drop)
    if as_json:
        emit_json(result.to_json())
        return
    left_out = f", {result.rows_left_out} unreadable rows left out" if result.rows_left_out else ""
    problems = f"; {result.error_count} problems" if result.error_count else ""
    click.echo(
        f"{result.file.name} ({result.kind}): {result.rows_read} rows read, "
        f"{result.rows_written} written to {result.out}: {result.rows_tokenised} tokenised, "
        f"{result.rows_without_token} without a token{left_out}{problems}"
    )
    for warning in result.warnings:
        click.echo(f"note: {warning}", err=True)
    for error in result.errors[:_PROBLEMS_SHOWN]:
        value = "" if error["value"] is None else f"{error['value']!r}: "
        click.echo(
            f"  row {error['row']}, column {error['column'] or '-'}: {value}{error['reason']}",
            err=True,
        )
    if result.error_count > _PROBLEMS_SHOWN:
        click.echo(f"  ... and {result.error_count - _PROBLEMS_SHOWN} more", err=True)
