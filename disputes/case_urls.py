from django.urls import path

from disputes import case_views as views
from disputes import mediator_views, meeting_views, reception_views
from disputes.case_figures_views import case_figures

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("from-screening/<int:item_pk>/", views.case_from_screening, name="from-screening"),
    path("figures/", case_figures, name="figures"),
    path("mediators/", mediator_views.mediator_list, name="mediators"),
    path("mediators/<int:pk>/", mediator_views.mediator_edit, name="mediator-edit"),
    path("meetings/", meeting_views.meeting_list, name="meetings"),
    path("meetings/new/", meeting_views.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting"),
    path("receptions/", reception_views.reception_list, name="receptions"),
    path("receptions/<int:pk>/", reception_views.reception_detail, name="reception"),
    path(
        "mediation-organisations/",
        mediator_views.mediation_organisation_list,
        name="mediation-organisations",
    ),
    path(
        "mediation-organisations/<int:pk>/",
        mediator_views.mediation_organisation_detail,
        name="mediation-organisation",
    ),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.case_step, name="step"),
]
