from django.urls import path

from population import views

app_name = "special_group_exports"

urlpatterns = [
    path("", views.special_group_export_list, name="list"),
    path("new/", views.special_group_export_new, name="new"),
    path("<int:pk>/decide/", views.special_group_export_decide, name="decide"),
    path("<int:pk>/download/", views.special_group_export_download, name="download"),
]
