from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from governance import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", views.otp, name="otp"),
    path(
        "accounts/password/",
        views.portal_login_required(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
    path("areas/", include("grid.urls")),
    path("units/", include("grid.unit_urls")),
    path("disputes/", include("disputes.case_urls")),
    path("residents/", include("population.urls")),
    path("organisations/", include("population.organisation_urls")),
    path("special-groups/", include("population.special_group_urls")),
    path("special-group-exports/", include("population.special_group_export_urls")),
    path("houses/", include("population.house_urls")),
    path("visits/", include("population.visit_urls")),
    path("ledger-quality/", include("population.quality_urls")),
    # --- Compounds (P27) and organisations' internal security bodies (P13) ---
    path("compounds/", include("population.compound_urls")),
    path("organisations/", include("population.security_body_urls")),
    path("drives/", include("population.drive_urls")),
    path("risk/", include("disputes.risk_urls")),
    path("screenings/", include("disputes.screening_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("governance.api_urls", "api"))),
    path("open311/v2/", include("disputes.open311_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from a URL (no inline script). Swagger UI and Redoc
    # style their widgets with <style> elements they create: these two pages, which show the
    # schema and no personal data, allow inline styles, never inline scripts.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
]

handler404 = "governance.api_errors.page_not_found"
