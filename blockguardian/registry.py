"""The model registry: trained models (credit, fraud, market) with versions, metrics and artefacts.

`trained → active → retired`, one active version per name. An artefact is bytes (the model's own
serialised form) whose SHA-256 is checked every time it is loaded. Loaded models are cached per
process by (name, version).
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

import structlog
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .errors import StateConflict
from .models import ModelVersion

logger = structlog.get_logger(__name__)

_cache: dict[tuple[str, int], Any] = {}


class ModelArtefactCorrupt(Exception):
    pass


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def artefact_dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


@transaction.atomic
def model_register(
    *,
    name: str,
    artefact: bytes,
    training_data_hash: str,
    metrics: dict,
    params: dict | None = None,
    fairness: dict | None = None,
) -> ModelVersion:
    """Store a newly trained model as the next version of `name` (state `trained`)."""
    # Lock the name's rows so two trainings never take the same version number.
    list(ModelVersion.objects.select_for_update().filter(name=name).values_list("pk", flat=True))
    latest = ModelVersion.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0
    return ModelVersion.objects.create(
        name=name,
        version=latest + 1,
        trained_at=timezone.now(),
        training_data_hash=training_data_hash,
        metrics=metrics,
        params=params or {},
        fairness=fairness or {},
        artefact=artefact,
        artefact_sha256=sha256_bytes(artefact),
    )


@transaction.atomic
def model_activate(*, version: ModelVersion, acting_user=None) -> ModelVersion:
    """Make `version` the active one of its name; the previously active one is retired."""
    locked = list(ModelVersion.objects.select_for_update().filter(name=version.name).order_by("pk"))
    target = next(v for v in locked if v.pk == version.pk)
    if target.state == ModelVersion.State.RETIRED:
        raise StateConflict("a retired model version cannot be activated again", code="model_retired")
    now = timezone.now()
    for other in locked:
        if other.state == ModelVersion.State.ACTIVE and other.pk != target.pk:
            other.state, other.retired_at = ModelVersion.State.RETIRED, now
            other.save(update_fields=["state", "retired_at"])
    if target.state != ModelVersion.State.ACTIVE:
        target.state, target.activated_at = ModelVersion.State.ACTIVE, now
        target.save(update_fields=["state", "activated_at"])
    logger.info(
        "model_activated", model=target.name, version=target.version, actor=str(getattr(acting_user, "pk", "system"))
    )
    return target


@transaction.atomic
def model_retire(*, version: ModelVersion, acting_user=None) -> ModelVersion:
    locked = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if locked.state == ModelVersion.State.RETIRED:
        return locked
    locked.state, locked.retired_at = ModelVersion.State.RETIRED, timezone.now()
    locked.save(update_fields=["state", "retired_at"])
    return locked


def model_active_version(*, name: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(name=name, state=ModelVersion.State.ACTIVE).first()


def model_load(*, version: ModelVersion) -> Any:
    """The unpickled artefact, after checking its hash; cached per process."""
    key = (version.name, version.version)
    if key in _cache:
        return _cache[key]
    data = bytes(version.artefact)
    if sha256_bytes(data) != version.artefact_sha256:
        raise ModelArtefactCorrupt(f"{version}: artefact hash does not match the registry")
    obj = pickle.loads(data)  # noqa: S301 - hash-checked artefact written by model_register
    _cache[key] = obj
    return obj


def model_load_active(*, name: str) -> tuple[ModelVersion, Any] | None:
    """(version, model) for the active version of `name`, or None when there is none or it fails to
    load (the caller falls back, e.g. to rules, and says so)."""
    version = model_active_version(name=name)
    if version is None:
        return None
    try:
        return version, model_load(version=version)
    except Exception as exc:  # noqa: BLE001 - a broken artefact must degrade, not fail the request
        logger.error("model_load_failed", model=name, version=version.version, error=str(exc))
        return None


def model_cache_clear() -> None:
    _cache.clear()
