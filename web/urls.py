from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from studio import views
from studio.signin import ThrottledAuthenticationForm
from web import views as web_views

admin.site.site_header = "Atelier administration"
admin.site.site_title = "Atelier"
admin.site.index_title = "Catalogue and studio"

auth_urls = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]

api_urls = [
    path("", include("studio.api.urls")),
    path("", include("channels.api.urls")),  # before catalog's: products/publish/ is not a product id
    path("", include("catalog.api.urls")),
    path("", include("forecasting.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("automation.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and the admin ask for /favicon.ico whatever the page's <link rel="icon"> says."""
    return HttpResponseRedirect(static_url("img/favicon.svg"))


urlpatterns = [
    path("", web_views.dashboard, name="dashboard"),
    path("favicon.ico", favicon, name="favicon"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
    path("jobs/<int:job_id>/progress.json", views.job_progress_json, name="job-progress"),
    path("accounts/", include(auth_urls)),
    path("", include("channels.urls")),
    path("catalog/", include("catalog.urls")),
    path("sales/", include("forecasting.urls")),
    path("review/", include("approvals.urls")),
    path("automation/webhooks/", include("automation.urls")),
    path("api/", include(api_urls)),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "studio.views.bad_request"
handler403 = "studio.views.permission_denied"
handler404 = "studio.views.page_not_found"
handler500 = "studio.views.server_error"
