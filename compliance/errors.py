"""Errors of the compliance app, each with a stable code."""

from blockguardian.errors import InvalidInput, NotFound, ServiceUnavailable, StateConflict


class SanctionsListNotLoaded(ServiceUnavailable):
    code = "sanctions_list_not_loaded"
    title = "No sanctions list is loaded yet"


class SanctionsFilesInvalid(InvalidInput):
    code = "sanctions_files_invalid"
    title = "The sanctions list files cannot be read"


class ScreeningQueryInvalid(InvalidInput):
    code = "screening_query_invalid"
    title = "The name to screen is invalid"


class HitAlreadyDecided(StateConflict):
    code = "screening_hit_already_decided"
    title = "This hit already has a disposition"


class DispositionInvalid(InvalidInput):
    code = "screening_disposition_invalid"
    title = "The disposition is invalid"


class OfacReportStateError(StateConflict):
    code = "ofac_report_invalid_move"
    title = "The OFAC report cannot make this move"


class Fincen314aFileInvalid(InvalidInput):
    code = "fincen_314a_file_invalid"
    title = "The 314(a) subject list cannot be read"


class Fincen314aMatchStateError(StateConflict):
    code = "fincen_314a_match_invalid_move"
    title = "The 314(a) match cannot make this move"


class ComplianceObjectNotFound(NotFound):
    code = "compliance_not_found"
