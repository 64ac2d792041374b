from django.urls import path

from . import views

app_name = "trading"

urlpatterns = [
    path(
        "portfolios/<int:pk>/transactions",
        views.PortfolioTransactionListApi.as_view(),
        name="transaction-list",
    ),
    path(
        "portfolios/<int:pk>/transactions/<int:tid>",
        views.PortfolioTransactionDetailApi.as_view(),
        name="transaction-detail",
    ),
    path(
        "portfolios/<int:pk>/transactions/<int:tid>/cancel",
        views.PortfolioTransactionCancelApi.as_view(),
        name="transaction-cancel",
    ),
    path(
        "portfolios/<int:pk>/transactions/<int:tid>/confirmation",
        views.PortfolioTransactionConfirmationApi.as_view(),
        name="transaction-confirmation",
    ),
    path("portfolios/<int:pk>/statements", views.PortfolioStatementApi.as_view(), name="statement"),
    path("bank-accounts", views.BankAccountListApi.as_view(), name="bank-account-list"),
    path("bank-accounts/<int:pk>", views.BankAccountDetailApi.as_view(), name="bank-account-detail"),
    path("bank-accounts/<int:pk>/verify", views.BankAccountVerifyApi.as_view(), name="bank-account-verify"),
    path("wallets", views.WalletListApi.as_view(), name="wallet-list"),
    path("wallets/<int:pk>", views.WalletDetailApi.as_view(), name="wallet-detail"),
    path("wallets/<int:pk>/verify", views.WalletVerifyApi.as_view(), name="wallet-verify"),
    path("staff/cash-transactions", views.StaffCashTransactionApi.as_view(), name="staff-cash-transactions"),
]
