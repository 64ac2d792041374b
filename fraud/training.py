"""Training the anomaly model: an IsolationForest over per-event features, exported to arrays,
calibrated, and registered in the model registry (`blockguardian.registry`)."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
from django.conf import settings

from blockguardian import registry
from blockguardian.models import ModelVersion

from .forest import ForestArrays, export_forest
from .rules import FEATURE_NAMES

DEFAULT_TREES = 100
DEFAULT_MAX_SAMPLES = 256
# Points start at this quantile of the normal training events' anomaly scores...
CALIBRATION_QUANTILE = 0.995
# ...and reach the maximum at this one.
CALIBRATION_TOP_QUANTILE = 0.99999


def forest_fit(
    features: np.ndarray,
    *,
    normal: np.ndarray | None = None,
    trees: int = DEFAULT_TREES,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    seed: int = 0,
    quantile: float = CALIBRATION_QUANTILE,
) -> tuple[ForestArrays, object]:
    """(exported forest, fitted scikit-learn model). `normal` marks the rows known to be normal
    (the calibration reads only those); without it every row counts as normal."""
    from sklearn.ensemble import IsolationForest

    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"features must be (rows, {len(FEATURE_NAMES)})")
    if len(x) < 50:
        raise ValueError("at least 50 events are needed to train the model")
    model = IsolationForest(n_estimators=trees, max_samples=min(max_samples, len(x)), random_state=seed, n_jobs=1).fit(
        x
    )
    forest = export_forest(model, feature_names=FEATURE_NAMES)
    anomaly = -forest.score_samples(x)
    reference = anomaly[normal] if normal is not None and normal.any() else anomaly
    threshold = float(np.quantile(reference, quantile))
    top = float(max(np.quantile(reference, CALIBRATION_TOP_QUANTILE), threshold + 0.05))
    calibration = {
        "threshold": threshold,
        "top": top,
        "quantile": quantile,
        "rows": int(len(x)),
        "normal_rows": int(normal.sum()) if normal is not None else int(len(x)),
    }
    return dataclasses.replace(forest, calibration=calibration), model


def features_hash(features: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(features, dtype=np.float64).tobytes()).hexdigest()


def model_register_forest(
    *, forest: ForestArrays, features: np.ndarray, metrics: dict, params: dict, activate: bool, acting_user=None
) -> ModelVersion:
    """Register a trained forest as the next version of FRAUD_MODEL_NAME (and activate it)."""
    from . import engine

    version = registry.model_register(
        name=settings.FRAUD_MODEL_NAME,
        artefact=registry.artefact_dumps(forest),
        training_data_hash=features_hash(features),
        metrics=metrics,
        params={**params, "features": list(FEATURE_NAMES), "calibration": forest.calibration},
    )
    if activate:
        version = registry.model_activate(version=version, acting_user=acting_user)
        engine.caches_clear()
    return version
