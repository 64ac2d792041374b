"""The demo catalogue: real tickers across the four asset classes, with the figures the synthetic
price history is generated from (a recent price level, annual volatility and drift, beta to the
class's market factor). Plain data: the price generator reads it without Django."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueAsset:
    symbol: str
    name: str
    asset_class: str  # stock | etf | crypto | commodity
    exchange: str
    price: float  # the level the generated history ends at
    volatility: float  # annual
    drift: float  # annual log growth over the generated history (the path is pinned to it)
    beta: float  # to the class's market factor
    volume: float  # typical daily volume
    issuer: str = ""
    issuer_country: str = "US"


def _stock(symbol, name, exchange, price, vol, drift, beta, volume, issuer=None):
    return CatalogueAsset(symbol, name, "stock", exchange, price, vol, drift, beta, volume, issuer or name)


def _etf(symbol, name, exchange, price, vol, drift, beta, volume, issuer, asset_class="etf"):
    return CatalogueAsset(symbol, name, asset_class, exchange, price, vol, drift, beta, volume, issuer)


def _crypto(symbol, name, price, vol, drift, beta, volume):
    return CatalogueAsset(symbol, name, "crypto", "crypto", price, vol, drift, beta, volume, "", "")


CATALOGUE: tuple[CatalogueAsset, ...] = (
    # Stocks
    _stock("AAPL", "Apple Inc.", "NASDAQ", 228.0, 0.27, 0.071, 1.15, 55e6),
    _stock("MSFT", "Microsoft Corporation", "NASDAQ", 418.0, 0.25, 0.041, 1.10, 22e6),
    _stock("GOOGL", "Alphabet Inc. Class A", "NASDAQ", 172.0, 0.30, 0.03, 1.10, 25e6),
    _stock("AMZN", "Amazon.com, Inc.", "NASDAQ", 195.0, 0.33, 0.018, 1.25, 40e6),
    _stock("NVDA", "NVIDIA Corporation", "NASDAQ", 135.0, 0.50, 0.28, 1.70, 250e6),
    _stock("META", "Meta Platforms, Inc. Class A", "NASDAQ", 565.0, 0.38, 0.1, 1.30, 15e6),
    _stock("TSLA", "Tesla, Inc.", "NASDAQ", 248.0, 0.55, -0.085, 1.90, 90e6),
    _stock("JPM", "JPMorgan Chase & Co.", "NYSE", 222.0, 0.24, 0.066, 1.05, 9e6),
    _stock("V", "Visa Inc. Class A", "NYSE", 288.0, 0.21, 0.063, 0.95, 6e6),
    _stock("JNJ", "Johnson & Johnson", "NYSE", 156.0, 0.17, -0.009, 0.55, 7e6),
    _stock("WMT", "Walmart Inc.", "NYSE", 84.0, 0.19, 0.11, 0.55, 15e6),
    _stock("PG", "The Procter & Gamble Company", "NYSE", 166.0, 0.17, 0.023, 0.45, 6e6),
    _stock("XOM", "Exxon Mobil Corporation", "NYSE", 118.0, 0.27, 0.125, 0.80, 14e6),
    _stock("KO", "The Coca-Cola Company", "NYSE", 64.0, 0.16, 0.027, 0.50, 12e6),
    _stock("DIS", "The Walt Disney Company", "NYSE", 98.0, 0.30, -0.092, 1.15, 9e6),
    _stock("NFLX", "Netflix, Inc.", "NASDAQ", 705.0, 0.40, 0.007, 1.30, 4e6),
    _stock("BRK.B", "Berkshire Hathaway Inc. Class B", "NYSE", 452.0, 0.18, 0.089, 0.85, 3.5e6),
    # Exchange-traded funds
    _etf("SPY", "SPDR S&P 500 ETF Trust", "NYSE Arca", 572.0, 0.17, 0.041, 1.00, 60e6, "State Street Global Advisors"),
    _etf(
        "QQQ", "Invesco QQQ Trust, Series 1", "NASDAQ", 488.0, 0.22, 0.045, 1.20, 40e6, "Invesco Capital Management LLC"
    ),
    _etf("VTI", "Vanguard Total Stock Market ETF", "NYSE Arca", 282.0, 0.17, 0.032, 1.02, 3.5e6, "The Vanguard Group"),
    _etf("IWM", "iShares Russell 2000 ETF", "NYSE Arca", 221.0, 0.23, -0.012, 1.15, 30e6, "BlackRock Fund Advisors"),
    _etf("EFA", "iShares MSCI EAFE ETF", "NYSE Arca", 80.0, 0.17, 0.005, 0.80, 18e6, "BlackRock Fund Advisors"),
    _etf("VWO", "Vanguard FTSE Emerging Markets ETF", "NYSE Arca", 45.0, 0.19, -0.021, 0.75, 8e6, "The Vanguard Group"),
    _etf(
        "AGG",
        "iShares Core U.S. Aggregate Bond ETF",
        "NYSE Arca",
        100.0,
        0.06,
        -0.026,
        0.05,
        7e6,
        "BlackRock Fund Advisors",
    ),
    _etf(
        "TLT",
        "iShares 20+ Year Treasury Bond ETF",
        "NASDAQ",
        95.0,
        0.16,
        -0.089,
        -0.20,
        25e6,
        "BlackRock Fund Advisors",
    ),
    # Commodity products (exchange-traded)
    _etf(
        "GLD", "SPDR Gold Shares", "NYSE Arca", 242.0, 0.15, 0.067, 0.05, 8e6, "World Gold Trust Services", "commodity"
    ),
    _etf(
        "IAU", "iShares Gold Trust", "NYSE Arca", 48.5, 0.15, 0.065, 0.05, 6e6, "BlackRock Fund Advisors", "commodity"
    ),
    _etf(
        "SLV",
        "iShares Silver Trust",
        "NYSE Arca",
        28.5,
        0.28,
        0.043,
        0.30,
        20e6,
        "BlackRock Fund Advisors",
        "commodity",
    ),
    _etf(
        "USO",
        "United States Oil Fund, LP",
        "NYSE Arca",
        74.0,
        0.35,
        0.059,
        0.45,
        4e6,
        "United States Commodity Funds LLC",
        "commodity",
    ),
    _etf(
        "UNG",
        "United States Natural Gas Fund, LP",
        "NYSE Arca",
        15.2,
        0.55,
        -0.055,
        0.20,
        9e6,
        "United States Commodity Funds LLC",
        "commodity",
    ),
    _etf(
        "DBA",
        "Invesco DB Agriculture Fund",
        "NYSE Arca",
        26.3,
        0.15,
        0.06,
        0.20,
        1e6,
        "Invesco Capital Management LLC",
        "commodity",
    ),
    # Crypto (USD pairs, every day)
    _crypto("BTC-USD", "Bitcoin", 67500.0, 0.60, 0.03, 1.00, 35e3),
    _crypto("ETH-USD", "Ethereum", 2650.0, 0.70, -0.097, 1.10, 400e3),
    _crypto("SOL-USD", "Solana", 152.0, 0.90, -0.083, 1.30, 3e6),
    _crypto("XRP-USD", "XRP", 0.55, 0.80, -0.129, 0.90, 1.2e9),
    _crypto("ADA-USD", "Cardano", 0.41, 0.85, -0.301, 1.05, 4e8),
    _crypto("DOGE-USD", "Dogecoin", 0.125, 0.95, -0.122, 1.10, 1.5e9),
    _crypto("LTC-USD", "Litecoin", 71.0, 0.75, -0.226, 0.95, 4e6),
)
