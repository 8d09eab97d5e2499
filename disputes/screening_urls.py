from django.urls import path

from disputes import screening_views as views

app_name = "screenings"

urlpatterns = [
    path("", views.screening_mine, name="mine"),
    path("major/", views.screening_major, name="major"),
    path("overview/", views.screening_overview, name="overview"),
    path("ledger/", views.screening_ledger, name="ledger"),
    path("ledger/export/", views.screening_ledger_export, name="ledger-export"),
    path("hotspots/", views.screening_hotspots, name="hotspots"),
    path("hotspots/<int:pk>/lift/", views.screening_hotspot_lift, name="hotspot-lift"),
    path("reports/<int:pk>/", views.screening_report_detail, name="report"),
    path("reports/<int:pk>/items/", views.screening_item_add, name="item-add"),
    path("reports/<int:pk>/submit/", views.screening_submit, name="submit"),
]
