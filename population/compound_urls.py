from django.urls import path

from population import compound_views as views

app_name = "compounds"

urlpatterns = [
    path("", views.compound_list, name="list"),
    path("new/", views.compound_new, name="new"),
    path("<int:pk>/", views.compound_detail, name="detail"),
    path("<int:pk>/edit/", views.compound_edit, name="edit"),
]
