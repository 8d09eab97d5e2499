from django.urls import path

from population import employer_views, views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_new, name="new"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/vital-parts/new/", views.vital_part_new, name="vital_part_new"),
    path("employer-registrations/", employer_views.registrations, name="registrations"),
]
