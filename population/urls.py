from django.urls import path

from population import employer_views, views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("new/", views.resident_new, name="new"),
    path("documents-expiring/", views.documents_expiring, name="documents-expiring"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/events/new/", views.resident_event_new, name="event-new"),
    path("<int:pk>/reveal/", views.resident_reveal, name="reveal"),
    path("export/", views.resident_export, name="export"),
    path("imports/", views.resident_import_new, name="import-new"),
    path("imports/template/", views.resident_import_template, name="import-template"),
    path("imports/<int:pk>/", views.resident_import_detail, name="import"),
    path("imports/<int:pk>/load/", views.resident_import_load, name="import-load"),
    path("imports/<int:pk>/rejected/", views.resident_import_rejected, name="import-rejected"),
    # 以业管人 (P7): an enterprise's own account
    path("workers/new/", employer_views.worker_new, name="worker-new"),
    path("<int:pk>/end-employment/", employer_views.worker_release, name="end-employment"),
]
