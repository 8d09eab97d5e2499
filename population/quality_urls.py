from django.urls import path

from population import views

app_name = "ledger_quality"

urlpatterns = [
    path("", views.ledger_quality, name="overview"),
]
