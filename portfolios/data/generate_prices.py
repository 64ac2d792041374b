"""Generate the bundled synthetic-but-realistic daily price history (deterministic).

    python -m portfolios.data.generate_prices --out portfolios/data/prices.csv.gz

For each asset of `portfolios.catalogue`: geometric Brownian motion with the asset's volatility,
pinned as a Brownian bridge to its drift (the history's total log growth), fat-tailed shocks (Student t, 5 degrees of freedom, scaled to unit variance), and a
common factor per market (equities and commodity products share one, crypto another) weighted by
the asset's beta, so assets move together as real ones do. NYSE assets have a bar per NYSE session
(timestamped at the session's close, early closes included); crypto has one every day (at 23:59 UTC).
The path is scaled to end at the catalogue's price level. Open gaps overnight, high and low spread
around the open and close, volume varies with the size of the move. Same seed, same file, byte for
byte (gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from portfolios.catalogue import CATALOGUE, CatalogueAsset

DEFAULT_END = dt.date(2026, 11, 20)
DEFAULT_YEARS = 5
DEFAULT_SEED = 20261120
COLUMNS = ["symbol", "timestamp", "open", "high", "low", "close", "volume"]
_T_DF = 5
_MARKET_VOL = {"equity": 0.16, "crypto": 0.65}


def nyse_closes(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """The UTC close time of every NYSE session in [start, end]."""
    import exchange_calendars as xcals

    calendar = xcals.get_calendar("XNYS", start=start.isoformat(), end=end.isoformat())
    return pd.DatetimeIndex(calendar.schedule.loc[start.isoformat() : end.isoformat(), "close"]).tz_convert("UTC")


def crypto_closes(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    days = pd.date_range(start, end, freq="D")
    return pd.DatetimeIndex(days + pd.Timedelta(hours=23, minutes=59)).tz_localize("UTC")


def _shocks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Student-t shocks with unit variance."""
    return rng.standard_t(_T_DF, size=n) / np.sqrt(_T_DF / (_T_DF - 2))


def _decimals(price: float) -> int:
    return 2 if price >= 10 else 4 if price >= 1 else 6


def simulate_asset(
    asset: CatalogueAsset, times: pd.DatetimeIndex, market: np.ndarray, seed: int, periods_per_year: float
) -> pd.DataFrame:
    """One asset's OHLCV bars on `times`, given its market factor's standardised daily shocks."""
    rng = np.random.default_rng([seed, zlib.crc32(asset.symbol.encode())])
    n = len(times)
    dt_year = 1.0 / periods_per_year
    sigma_day = asset.volatility * np.sqrt(dt_year)
    market_day = _MARKET_VOL["crypto" if asset.asset_class == "crypto" else "equity"] * np.sqrt(dt_year)
    systematic = asset.beta * market_day * market
    idio_sigma = np.sqrt(max(sigma_day**2 - (asset.beta * market_day) ** 2, (0.2 * sigma_day) ** 2))
    noise = np.cumsum(systematic + idio_sigma * _shocks(rng, n))
    # A Brownian bridge: the path's total log growth is pinned to `drift` × years, so the history
    # starts and ends at plausible levels whatever the shocks.
    elapsed = np.arange(1, n + 1) / n
    level = noise - elapsed * noise[-1] + elapsed * asset.drift * n * dt_year
    log_returns = np.diff(level, prepend=0.0)
    close = asset.price * np.exp(level - level[-1])
    previous = np.concatenate(([close[0] * np.exp(-log_returns[0])], close[:-1]))
    if asset.asset_class == "crypto":
        open_ = previous  # trades around the clock: the day opens where it closed
    else:
        gap = np.clip(rng.normal(0.0, 0.35 * sigma_day, n), -np.abs(log_returns) - 0.5 * sigma_day, None)
        open_ = previous * np.exp(np.where(np.sign(gap) == np.sign(log_returns), gap, 0.3 * gap))
    spread = np.abs(rng.normal(0.0, 0.45 * sigma_day, (2, n)))
    high = np.maximum(open_, close) * np.exp(spread[0])
    low = np.minimum(open_, close) * np.exp(-spread[1])
    surprise = np.abs(log_returns) / sigma_day
    volume = asset.volume * np.exp(rng.normal(0.0, 0.25, n)) * (0.7 + 0.3 * surprise)
    places = _decimals(asset.price)
    frame = pd.DataFrame(
        {
            "symbol": asset.symbol,
            "timestamp": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "open": np.round(open_, places),
            "high": np.round(high, places),
            "low": np.round(low, places),
            "close": np.round(close, places),
            "volume": np.round(volume, 0 if asset.asset_class != "crypto" else 2),
        }
    )
    # Rounding may cross: keep low <= open, close <= high.
    frame["high"] = frame[["open", "high", "close"]].max(axis=1)
    frame["low"] = frame[["open", "low", "close"]].min(axis=1)
    frame["sort_time"] = times
    return frame


def generate(
    *,
    catalogue: Iterable[CatalogueAsset] = CATALOGUE,
    end: dt.date = DEFAULT_END,
    years: int = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Every asset's bars from `years` before `end` to `end`, in time order then symbol order."""
    start = dt.date(end.year - years, end.month, min(end.day, 28)) + dt.timedelta(days=1)
    calendars = {"nyse": nyse_closes(start, end), "crypto": crypto_closes(start, end)}
    rng = np.random.default_rng(seed)
    markets = {name: _shocks(rng, len(times)) for name, times in calendars.items()}
    frames = []
    for asset in catalogue:
        key = "crypto" if asset.asset_class == "crypto" else "nyse"
        frames.append(simulate_asset(asset, calendars[key], markets[key], seed, 365.0 if key == "crypto" else 252.0))
    prices = pd.concat(frames, ignore_index=True).sort_values(["sort_time", "symbol"], kind="stable")
    return prices.drop(columns="sort_time").reset_index(drop=True)


def _format(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def write_csv(prices: pd.DataFrame, path: Path) -> None:
    """A gzip-compressed CSV (no timestamp in the gzip header: reproducible bytes) or a plain CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in prices[COLUMNS].itertuples(index=False):
        writer.writerow([row[0], row[1], *(_format(v) for v in row[2:])])
    data = buffer.getvalue().encode()
    if path.suffix == ".gz":
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        ):
            gz.write(data)
    else:
        path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("prices.csv.gz"))
    parser.add_argument("--end", type=dt.date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--years", type=int, default=DEFAULT_YEARS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    prices = generate(end=args.end, years=args.years, seed=args.seed)
    write_csv(prices, args.out)
    print(f"wrote {len(prices)} bars of {prices['symbol'].nunique()} assets to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
