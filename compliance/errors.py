"""Errors of the compliance app, each with a stable code."""

from blockguardian.errors import Forbidden, InvalidInput, NotFound, ServiceUnavailable, StateConflict


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


class AlertStateError(StateConflict):
    code = "alert_invalid_move"
    title = "The alert cannot make this move"


class CaseStateError(StateConflict):
    code = "case_invalid_move"
    title = "The case cannot make this move"


class CtrStateError(StateConflict):
    code = "ctr_invalid_move"
    title = "The CTR cannot make this move"


class CtrInvalid(InvalidInput):
    code = "ctr_invalid"
    title = "The CTR is invalid"


class SarStateError(StateConflict):
    code = "sar_invalid_move"
    title = "The SAR cannot make this move"


class SarInvalid(InvalidInput):
    code = "sar_invalid"
    title = "The SAR is invalid"


class SarFourEyes(Forbidden):
    code = "sar_four_eyes"
    title = "Whoever prepared a SAR cannot approve it"


class SarPermissionDenied(Forbidden):
    code = "sar_permission_denied"
    title = "SAR records need the SAR permission"


class FilingInvalid(InvalidInput):
    """A batch that fails the schema or the business rules: nothing is written."""

    code = "fincen_batch_invalid"
    title = "The FinCEN batch is invalid"


class FilingNothingToFile(InvalidInput):
    code = "fincen_nothing_to_file"
    title = "There is nothing to file"


class AcknowledgementInvalid(InvalidInput):
    code = "fincen_acknowledgement_invalid"
    title = "The FinCEN acknowledgement cannot be read or matched"


class ComplianceInputInvalid(InvalidInput):
    code = "compliance_input_invalid"
    title = "The input is invalid"
