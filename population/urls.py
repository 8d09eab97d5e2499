from django.urls import path

from population import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("new/", views.resident_new, name="new"),
    path("documents-expiring/", views.documents_expiring, name="documents-expiring"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/events/new/", views.resident_event_new, name="event-new"),
    path("<int:pk>/reveal/", views.resident_reveal, name="reveal"),
]
