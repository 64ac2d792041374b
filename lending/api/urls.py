from django.urls import path

from . import views

app_name = "lending"

urlpatterns = [
    path("loans/products", views.ProductListApi.as_view(), name="product-list"),
    path("loans/calculate", views.LoanCalculateApi.as_view(), name="loan-calculate"),
    path("loans/apply", views.LoanApplyApi.as_view(), name="loan-apply"),
    path("loans", views.LoanListApi.as_view(), name="loan-list"),
    path("loans/<int:pk>", views.LoanDetailApi.as_view(), name="loan-detail"),
    path("loans/<int:pk>/verify", views.LoanVerifyApi.as_view(), name="loan-verify"),
    path("loans/<int:pk>/schedule", views.LoanScheduleApi.as_view(), name="loan-schedule"),
    path("loans/<int:pk>/disclosure", views.LoanDisclosureApi.as_view(), name="loan-disclosure"),
    path("loans/<int:pk>/accept", views.LoanAcceptApi.as_view(), name="loan-accept"),
    path("loans/<int:pk>/repay", views.LoanRepayApi.as_view(), name="loan-repay"),
    path("loans/<int:pk>/cancel", views.LoanCancelApi.as_view(), name="loan-cancel"),
    path(
        "loans/<int:pk>/adverse-action-notice",
        views.LoanAdverseActionNoticeApi.as_view(),
        name="loan-adverse-action-notice",
    ),
]
