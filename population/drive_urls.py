from django.urls import path

from population import drive_views as views

app_name = "drives"

urlpatterns = [
    path("", views.drive_list, name="list"),
    path("new/", views.drive_new, name="new"),
    path("<int:pk>/", views.drive_detail, name="detail"),
    path("checks/<int:pk>/", views.drive_check, name="check"),
]
