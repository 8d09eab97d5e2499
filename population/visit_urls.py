from django.urls import path

from population import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("mine/", views.visit_mine, name="mine"),
    path("new/", views.visit_new, name="new"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/correct/", views.visit_correct, name="correct"),
]
