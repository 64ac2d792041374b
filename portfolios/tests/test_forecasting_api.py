"""Market forecasts through the database: the endpoint, training and the registry, stored forecasts,
no look-ahead as of a date, the baseline rule as served, the price-load refresh and the command."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command

from blockguardian.models import ModelVersion
from blockguardian.registry import artefact_dumps, model_activate, model_cache_clear, model_register
from portfolios.forecasting import services
from portfolios.forecasting import volatility as vol
from portfolios.forecasting.models import AssetForecast
from portfolios.forecasting.receivers import on_prices_loaded
from portfolios.forecasting.tasks import retrain_market_models
from portfolios.services import prices_load
from portfolios.signals import prices_loaded
from portfolios.tests.factories import AssetFactory, CryptoAssetFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 1, 1, 21, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def small_walk_forward(settings):
    """Short histories keep these tests fast; the walk-forward logic is the same."""
    settings.PORTFOLIOS_FORECAST_MIN_OBSERVATIONS = 100
    settings.PORTFOLIOS_FORECAST_GARCH_MIN_TRAIN = 150
    settings.PORTFOLIOS_FORECAST_GARCH_WINDOW = 400
    settings.PORTFOLIOS_FORECAST_REFIT_EVERY = 60
    settings.PORTFOLIOS_FORECAST_DIRECTION_MIN_TRAIN = 120
    settings.PORTFOLIOS_FORECAST_DIRECTION_WINDOW = 400
    model_cache_clear()  # registry versions repeat across rolled-back tests
    yield
    model_cache_clear()


def garch_closes(n: int, *, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    omega, alpha, beta = 4e-6, 0.08, 0.90
    variance, out = omega / (1 - alpha - beta), np.empty(n)
    for t in range(n):
        out[t] = rng.standard_normal() * np.sqrt(variance)
        variance = omega + alpha * out[t] ** 2 + beta * variance
    return 100 * np.exp(np.concatenate(([0.0], np.cumsum(out))))


def bar_time(i: int) -> dt.datetime:
    return START + dt.timedelta(days=i)


def load_bars(asset, closes, *, first: int = 0, volume_scale: float = 1.0) -> None:
    """Daily bars (one a day from START + `first` days) through the price load service."""
    prices_load(
        records=[
            {
                "symbol": asset.symbol,
                "timestamp": bar_time(first + i).isoformat(),
                "close": f"{c:.8f}",
                "volume": f"{volume_scale * (1000 + (i * 37) % 500)}",
            }
            for i, c in enumerate(closes)
        ],
        source="test",
        tag="test",
    )


def url(asset_id: int) -> str:
    return f"/api/portfolios/assets/{asset_id}/forecast"


# --- the endpoint ---------------------------------------------------------------------------------


def test_forecast_without_trained_models_serves_the_baseline_var_and_says_why(auth_client):
    asset = CryptoAssetFactory()
    load_bars(asset, garch_closes(200, seed=1))

    response = auth_client.get(url(asset.pk))

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "asset",
        "as_of",
        "observations",
        "last_close",
        "volatility",
        "var",
        "direction",
        "model_versions",
        "disclaimer",
    }
    assert body["asset"]["symbol"] == asset.symbol and body["observations"] == 200
    assert set(body["volatility"]) == {"ewma", "garch", "rolling_variance"}
    for row in body["volatility"].values():
        assert float(row["horizon_10d"]) > float(row["daily_1d"]) > 0
        assert row["skill"] is None  # nothing backtested yet
    assert body["volatility"]["garch"]["source"] == "fitted_now"
    # Without a backtest no model has shown it beats the baseline: VaR is the baseline's.
    assert body["var"]["model"] == "rolling_variance"
    assert body["volatility"]["rolling_variance"]["used_for_var"] is True
    sigma = float(body["volatility"]["rolling_variance"]["daily_1d"])
    assert float(body["var"]["horizon_1d"]) == pytest.approx(vol.parametric_var(sigma**2, confidence=0.95), abs=1e-7)
    assert body["direction"]["probability_up"] is None
    assert body["model_versions"] == {"volatility": None, "direction": None}
    assert "not investment advice" in body["disclaimer"]


def test_forecast_of_an_unknown_asset_is_a_404_problem(auth_client):
    response = auth_client.get(url(987654))
    assert response.status_code == 404
    assert response.json()["code"] == "asset_not_found"


def test_forecast_with_too_little_history_is_a_422_problem_and_stores_nothing(auth_client):
    asset = AssetFactory()
    load_bars(asset, garch_closes(60, seed=2))

    response = auth_client.get(url(asset.pk))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "forecast_insufficient_history"
    assert "60 daily returns" in body["detail"]
    assert not AssetForecast.objects.exists()


def test_forecast_of_an_asset_without_prices_is_a_422_not_a_500(auth_client):
    asset = AssetFactory()
    assert auth_client.get(url(asset.pk)).status_code == 422


def test_forecast_needs_authentication(api_client):
    asset = AssetFactory()
    assert api_client.get(url(asset.pk)).status_code == 401


# --- training, the registry, the served skill -----------------------------------------------------


def test_trained_models_are_registered_and_their_versions_and_skill_are_served(auth_client):
    stock, coin = AssetFactory(), CryptoAssetFactory()
    load_bars(stock, garch_closes(360, seed=3))
    load_bars(coin, garch_closes(360, seed=4))

    result = services.market_models_train(reference=False)
    volatility, direction = services.market_models_register(result=result, activate=True)

    assert (volatility.state, direction.state) == (ModelVersion.State.ACTIVE, ModelVersion.State.ACTIVE)
    stored = volatility.metrics["assets"][str(stock.pk)]["backtest"]
    assert stored["observations"] == 360 - 150
    assert set(direction.metrics["classes"]) == {"stock", "crypto"}
    body = auth_client.get(url(stock.pk)).json()
    assert body["model_versions"] == {"volatility": volatility.version, "direction": direction.version}
    assert body["volatility"]["garch"]["source"] == "registry"
    assert body["volatility"]["garch"]["skill"]["qlike"] == stored["models"]["garch"]["qlike"]
    assert body["volatility"]["garch"]["skill"]["kupiec_p_value"] == stored["models"]["garch"]["var"]["kupiec_p_value"]
    assert body["var"]["model"] == stored["var_model"]
    assert 0 < float(body["direction"]["probability_up"]) < 1
    assert body["direction"]["skill"] == direction.metrics["classes"]["stock"]
    assert body["direction"]["beats_baseline"] == direction.metrics["classes"]["stock"]["beats_baseline"]


def _register_volatility(asset, *, ewma_beats: bool, garch_beats: bool) -> ModelVersion:
    """A volatility version whose backtest of `asset` says which models beat the baseline."""

    def row(beats: bool, qlike: float) -> dict:
        var = {"exceedance_rate": 0.05, "kupiec_p_value": 0.9}
        return {"qlike": qlike, "baseline_qlike": -8.0, "beats_baseline": beats, "var": var, "eligible_for_var": beats}

    models = {
        "ewma": row(ewma_beats, -8.1 if ewma_beats else -7.9),
        "garch": row(garch_beats, -8.2 if garch_beats else -7.8),
        "rolling_variance": {"qlike": -8.0, "var": {"exceedance_rate": 0.05, "kupiec_p_value": 0.9}},
    }
    params = {"mu": 0.0, "omega": 4e-6, "alpha": 0.08, "beta": 0.9, "observations": 150, "converged": True}
    version = model_register(
        name="market_volatility",
        artefact=artefact_dumps({"garch": {str(asset.pk): {"params": params, "trained_through": START.isoformat()}}}),
        training_data_hash="0" * 64,
        metrics={"assets": {str(asset.pk): {"backtest": {"observations": 100, "models": models}}}},
    )
    return model_activate(version=version)


@pytest.mark.parametrize(
    ("ewma_beats", "garch_beats", "var_model"),
    [(False, False, "rolling_variance"), (True, False, "ewma"), (False, True, "garch"), (True, True, "garch")],
)
def test_only_a_model_that_beat_its_baseline_is_used_for_var(auth_client, ewma_beats, garch_beats, var_model):
    asset = AssetFactory()
    load_bars(asset, garch_closes(200, seed=5))
    _register_volatility(asset, ewma_beats=ewma_beats, garch_beats=garch_beats)

    body = auth_client.get(url(asset.pk)).json()

    assert body["var"]["model"] == var_model
    assert [name for name, row in body["volatility"].items() if row["used_for_var"]] == [var_model]
    served = body["volatility"][var_model]
    sigma_10d = float(served["horizon_10d"])
    assert float(body["var"]["horizon_10d"]) == pytest.approx(
        vol.parametric_var(sigma_10d**2, confidence=0.95), abs=1e-6
    )
    for name in ("ewma", "garch"):
        assert body["volatility"][name]["skill"]["beats_baseline"] == {"ewma": ewma_beats, "garch": garch_beats}[name]


# --- no look-ahead and stored forecasts -----------------------------------------------------------


def test_a_forecast_as_of_a_date_ignores_later_prices_and_models_trained_on_them():
    asset = AssetFactory()
    closes = garch_closes(320, seed=6)
    load_bars(asset, closes)
    as_of = bar_time(250)
    before = services.asset_forecast_compute(asset=asset, as_of=as_of)

    # Train on everything (through bar 320), then rewrite every price after the date.
    services.market_models_register(result=services.market_models_train(reference=False), activate=True)
    load_bars(asset, closes[251:] * 1.7, first=251, volume_scale=5.0)
    from portfolios.forecasting.selectors import active_model

    after = services.asset_forecast_compute(
        asset=asset,
        as_of=as_of,
        volatility_model=active_model(kind="volatility"),
        direction_model=active_model(kind="direction"),
    )

    assert after == before
    assert before["as_of"] == as_of.isoformat() and before["observations"] == 250
    # The latest forecast does see the new prices and models.
    latest = services.asset_forecast_refresh(asset=asset).payload
    assert latest["observations"] == 320 and latest["model_versions"]["volatility"] == 1


def test_stored_forecasts_are_reused_for_the_same_bar_and_kept_after_new_prices():
    asset = CryptoAssetFactory()
    closes = garch_closes(200, seed=7)
    load_bars(asset, closes[:150])
    first = services.asset_forecast_current(asset=asset)
    assert services.asset_forecast_current(asset=asset).pk == first.pk

    load_bars(asset, closes[150:], first=150)
    second = services.asset_forecast_current(asset=asset)

    assert second.pk != first.pk and second.as_of == bar_time(200)
    first.refresh_from_db()
    assert first.as_of == bar_time(149) and first.payload["observations"] == 149


def test_a_price_load_refreshes_the_forecasts_of_the_loaded_assets(django_capture_on_commit_callbacks):
    asset, short = AssetFactory(), AssetFactory()
    prices_loaded.connect(on_prices_loaded, dispatch_uid="test.forecast_refresh")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            load_bars(asset, garch_closes(150, seed=8))
            load_bars(short, garch_closes(20, seed=9))  # too short: skipped, the load is unaffected
    finally:
        prices_loaded.disconnect(dispatch_uid="test.forecast_refresh")

    stored = AssetForecast.objects.get()
    assert stored.asset == asset and stored.as_of == bar_time(150)


def test_weekly_retrain_registers_activates_and_refreshes():
    asset = AssetFactory()
    load_bars(asset, garch_closes(300, seed=10))

    outcome = retrain_market_models(reference=False)

    assert outcome == {"volatility": 1, "direction": 1, "refreshed": 1}
    stored = AssetForecast.objects.get(asset=asset)
    assert (stored.volatility_version, stored.direction_version) == (1, 1)
    assert stored.payload["model_versions"] == {"volatility": 1, "direction": 1}


# --- the command --------------------------------------------------------------------------------------


def test_train_command_prints_and_stores_the_reference_and_platform_backtests(settings):
    settings.PORTFOLIOS_FORECAST_GARCH_MIN_TRAIN = 500
    settings.PORTFOLIOS_FORECAST_GARCH_WINDOW = 1000
    settings.PORTFOLIOS_FORECAST_REFIT_EVERY = 750  # coarse refits: fast, same arithmetic
    settings.PORTFOLIOS_FORECAST_DIRECTION_MIN_TRAIN = 500
    asset = AssetFactory(symbol="SIMX")
    load_bars(asset, garch_closes(300, seed=11))
    out = io.StringIO()

    call_command("train_market_models", "--activate", stdout=out, stderr=io.StringIO())

    text = out.getvalue()
    assert "S&P 500 (arch.data.sp500, 1999-01-04 .. 2018-12-31, 5030 returns)" in text
    assert "NASDAQ Composite (arch.data.nasdaq" in text
    assert "Kupiec p" in text and "always-up" in text and "50/50" in text
    assert "SIMX" in text and "not backtested" in text  # 300 returns < 500 + 750
    volatility = ModelVersion.objects.get(name="market_volatility", state=ModelVersion.State.ACTIVE)
    sp500 = volatility.metrics["reference"]["sp500"]["backtest"]
    assert sp500["observations"] == 5030 - 500
    garch = sp500["models"]["garch"]
    assert f"{garch['qlike']:9.4f}" in text and f"{garch['var']['kupiec_p_value']:9.4f}" in text
    direction = ModelVersion.objects.get(name="market_direction", state=ModelVersion.State.ACTIVE)
    assert direction.metrics["reference"]["nasdaq"]["backtest"]["accuracy"] is not None
    assert "Registered market_volatility v1 (active)." in text


def test_a_flat_price_history_gives_zero_volatility_not_an_error(auth_client):
    flat = AssetFactory()
    load_bars(flat, np.full(260, 50.0))  # long enough for a (failing) backtest
    result = services.market_models_train(reference=False)
    services.market_models_register(result=result, activate=True)
    assert result.volatility_metrics["assets"][str(flat.pk)]["backtest"] is None

    response = auth_client.get(url(flat.pk))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["volatility"]["rolling_variance"]["daily_1d"] == "0.00000000"
    assert body["var"]["horizon_1d"] == "0.00000000"
