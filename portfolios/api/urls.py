from django.urls import path

from ..forecasting import api as forecast_api
from . import views

app_name = "portfolios"

urlpatterns = [
    path("portfolios/assets", views.AssetListApi.as_view(), name="asset-list"),
    path("portfolios/assets/<int:pk>", views.AssetDetailApi.as_view(), name="asset-detail"),
    path("portfolios/assets/<int:pk>/forecast", forecast_api.AssetForecastApi.as_view(), name="asset-forecast"),
    path("portfolios", views.PortfolioListApi.as_view(), name="portfolio-list"),
    path("portfolios/<int:pk>", views.PortfolioDetailApi.as_view(), name="portfolio-detail"),
    path("portfolios/<int:pk>/holdings", views.PortfolioHoldingsApi.as_view(), name="portfolio-holdings"),
    path("portfolios/<int:pk>/performance", views.PortfolioPerformanceApi.as_view(), name="portfolio-performance"),
    path("portfolios/<int:pk>/risk", views.PortfolioRiskApi.as_view(), name="portfolio-risk"),
    path(
        "portfolios/<int:pk>/realized-gains", views.PortfolioRealizedGainsApi.as_view(), name="portfolio-realized-gains"
    ),
]
