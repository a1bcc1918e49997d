from django.urls import path

from . import views

urlpatterns = [
    path("reports/<int:pk>/act", views.act, name="report_act"),
    path("reports/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("reports/<int:pk>/comments/<int:cid>/reply", views.comment_reply, name="comment_reply"),
    path("reports/<int:pk>/comments/<int:cid>/close", views.comment_close, name="comment_close"),
    path("reports/<int:pk>/compare", views.compare, name="report_compare"),
    path("reports/<int:pk>/rollup", views.rollup_start, name="report_rollup"),
    path("office/", views.office, name="office"),
    path("office/bulk", views.bulk, name="office_bulk"),
    path("office/review", views.review_start, name="review_start"),
    path("office/reviews/<int:pk>/", views.review_run, name="review_run"),
    path("office/reviews/<int:pk>/<str:kind>", views.review_file, name="review_file"),
    path("office/export", views.export_start, name="export_start"),
    path("office/exports/<int:pk>/", views.export_run, name="export_run"),
    path("office/exports/<int:pk>/zip", views.export_file, name="export_file"),
    path("office/audit.csv", views.audit_csv, name="audit_csv"),
    path("published/<int:region>/<int:year>/<int:unit>/", views.published, name="published"),
    path("published/<int:region>/<int:year>/<int:unit>/files/<str:name>", views.published_file,
         name="published_file"),
    path("published/<int:region>/<int:year>/<int:unit>/v<int:number>/", views.published, name="published_version"),
    path("published/<int:region>/<int:year>/<int:unit>/v<int:number>/files/<str:name>", views.published_file,
         name="published_version_file"),
]
