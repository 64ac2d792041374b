"""CSV for the realised-gains report (one row per closed lot, the columns of a 1099-B)."""

from __future__ import annotations

import csv
import io
import json

from rest_framework.renderers import BaseRenderer

COLUMNS = ["description", "symbol", "quantity", "acquired_at", "disposed_at", "proceeds", "cost_basis", "gain", "term"]


class RealizedGainsCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict) or "lots" not in data:
            # An error (problem details) asked for as CSV: send it as JSON text.
            return json.dumps(data).encode()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for lot in data["lots"]:
            writer.writerow([lot.get(column, "") for column in COLUMNS])
        return out.getvalue().encode(self.charset)
