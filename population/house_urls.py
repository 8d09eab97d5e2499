from django.urls import path

from population import incident_views, views

app_name = "houses"

urlpatterns = [
    path("", views.house_list, name="list"),
    path("rentals-not-filed/", views.rentals_not_filed, name="not-filed"),
    path("new/", views.house_new, name="new"),
    path("<int:pk>/", views.house_detail, name="detail"),
    path("<int:pk>/edit/", views.house_edit, name="edit"),
    path("<int:pk>/households/new/", views.household_new, name="household-new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("incidents/", incident_views.rental_incident_list, name="incidents"),
    path("<int:pk>/incidents/new/", incident_views.rental_incident_new, name="incident-new"),
    path("incidents/<int:pk>/", incident_views.rental_incident_detail, name="incident"),
]
