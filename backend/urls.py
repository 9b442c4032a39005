from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.login import TokenLoginView

admin.site.site_header = _("Civilization practice volunteer platform")
admin.site.site_title = _("Volunteer platform admin")
admin.site.index_title = _("Administration")

api_v1 = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("", include("stations.urls")),
    path("", include("volunteers.urls")),
    path("", include("events.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
