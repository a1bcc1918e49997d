from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/<int:unit_id>/reports/new", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/check", views.report_check, name="report_check"),
    path("reports/<int:pk>/upload", views.report_upload, name="report_upload"),
    path("reports/<int:pk>/versions/", views.report_versions, name="report_versions"),
    path("reports/<int:pk>/versions/<int:number>.json", views.version_json, name="version_json"),
    path("reports/<int:pk>/render", views.report_render, name="report_render"),
    path("renders/<int:pk>/", views.render_job, name="render_job"),
    path("renders/<int:pk>/files/<str:name>", views.render_file, name="render_file"),
    path("admin/", admin.site.urls),
    path("", include("reportkit.platform.workflow.urls")),
]
