"""Open311 GeoReport v2 (disputes/open311.py), JSON only: the paths end in `.json`."""

from django.urls import path

from disputes import open311

app_name = "open311"

urlpatterns = [
    path("services.json", open311.ServiceList.as_view(), name="services"),
    path("services/<str:service_code>.json", open311.ServiceDefinition.as_view(), name="service"),
    path("requests.json", open311.RequestList.as_view(), name="requests"),
    path(
        "requests/<str:service_request_id>.json",
        open311.RequestDetail.as_view(),
        name="request",
    ),
]
