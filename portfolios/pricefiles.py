"""Reading price files (CSV, optionally gzip-compressed) as a stream of records."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

REQUIRED_COLUMNS = {"symbol", "close"}


class PriceFileError(ValueError):
    pass


@contextmanager
def price_records(path: str | Path, *, progress: bool | None = None) -> Iterator[Iterator[dict[str, str]]]:
    """Yield an iterator over the file's rows as dicts (header: symbol, timestamp or date, open,
    high, low, close, volume), read lazily; a tqdm bar follows the bytes read (`progress=None`:
    only on a terminal)."""
    path = Path(path)
    if not path.is_file():
        raise PriceFileError(f"no such file: {path}")
    raw = open(path, "rb")  # noqa: SIM115 - closed below
    disable = None if progress is None else not progress
    bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, disable=disable)
    try:
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix == ".gz" else raw
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        columns = {c.strip().lower() for c in (reader.fieldnames or [])}
        if not columns >= REQUIRED_COLUMNS or not ({"timestamp", "date"} & columns):
            raise PriceFileError("the header needs symbol, timestamp (or date) and close columns")

        def rows() -> Iterator[dict[str, str]]:
            for count, row in enumerate(reader, start=1):
                yield {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                if count % 2000 == 0:
                    bar.update(raw.tell() - bar.n)
            bar.update(raw.tell() - bar.n)

        yield rows()
    finally:
        bar.close()
        raw.close()
