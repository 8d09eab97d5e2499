from django.urls import path

from population import compound_views as views

app_name = "security_bodies"

urlpatterns = [
    path("<int:pk>/security-bodies/new/", views.security_body_new, name="new"),
    path("security-bodies/<int:pk>/edit/", views.security_body_edit, name="edit"),
    path("security-bodies/<int:pk>/remove/", views.security_body_remove, name="remove"),
]
