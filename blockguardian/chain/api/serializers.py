"""Serializers other apps embed to show a record's anchoring and a verification result."""

from __future__ import annotations

from rest_framework import serializers

from ..models import AnchoredRecord
from ..services import VERIFICATION_RESULTS


class AnchorStatusSerializer(serializers.Serializer):
    """Renders `selectors.AnchorStatus`."""

    anchor_status = serializers.ChoiceField(choices=AnchoredRecord.Status.choices, read_only=True)
    batch_id = serializers.UUIDField(allow_null=True, read_only=True)
    tx_hash = serializers.CharField(allow_null=True, read_only=True)
    block_number = serializers.IntegerField(allow_null=True, read_only=True)
    anchored_at = serializers.DateTimeField(allow_null=True, read_only=True, help_text="The anchoring block's time.")
    chain_id = serializers.IntegerField(allow_null=True, read_only=True)
    registry_address = serializers.CharField(allow_null=True, read_only=True)


class AnchorVerificationSerializer(serializers.Serializer):
    """The body of a `.../verify` endpoint: `{"verification": ..., "anchoring": {...}}`."""

    verification = serializers.ChoiceField(
        choices=[(value, value) for value in VERIFICATION_RESULTS],
        read_only=True,
        help_text="verified: matches the chain; mismatch: differs from what was anchored; "
        "pending: not anchored yet; unavailable: the chain cannot be reached now.",
    )
    anchoring = AnchorStatusSerializer(read_only=True, allow_null=True)
