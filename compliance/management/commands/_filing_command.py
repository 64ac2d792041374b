"""What file_ctr and file_sar share: write (or check) a batch and say what happened."""

from __future__ import annotations

from django.core.management.base import CommandError

from blockguardian.errors import ApplicationError

from ...services import filing_write


def write_batch(command, *, kind: str, record_ids: list[int], options) -> None:
    from ._bsa import officer

    if not record_ids:
        command.stdout.write(f"No approved {kind.upper()} to file.")
        return
    try:
        result = filing_write(
            kind=kind,
            record_ids=record_ids,
            acting_user=officer(options.get("by")),
            output=options.get("output"),
            dry_run=options.get("dry_run", False),
        )
    except ApplicationError as exc:
        for reason in (exc.errors or {}).get("batch", []):
            command.stderr.write(f"  {reason}")
        raise CommandError(exc.detail) from exc
    counts = result.counts
    summary = (
        f"{counts['activities']} report(s), {counts['parties']} part(y/ies), total ${counts['total_amount']}, "
        f"SHA-256 {result.sha256}"
    )
    if result.filing is None:
        command.stdout.write(f"Dry run: the {kind.upper()} batch is valid ({summary}); nothing written.")
    else:
        command.stdout.write(f"Filing {result.filing.pk} written to {result.path}: {summary}")
