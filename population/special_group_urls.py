from django.urls import path

from population import views

app_name = "special_groups"

urlpatterns = [
    path("", views.special_group_list, name="list"),
    path("new/", views.special_group_new, name="new"),
    path("due/", views.special_group_due, name="due"),
    path("rates/", views.special_group_rates, name="rates"),
    path("high-risk/", views.special_group_high_risk, name="high_risk"),
    path("<int:pk>/", views.special_group_detail, name="detail"),
]
