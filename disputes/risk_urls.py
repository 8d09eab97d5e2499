from django.urls import path

from disputes import risk_views as views

# Included at risk/ without a namespace: the names carry the `risk-` prefix.
urlpatterns = [
    path("", views.risk_matter_list, name="risk-matter-list"),
    path("new/", views.risk_matter_new, name="risk-matter-new"),
    path("summary/", views.risk_summary, name="risk-summary"),
    path("<int:pk>/", views.risk_matter_detail, name="risk-matter-detail"),
    path("<int:pk>/edit/", views.risk_matter_edit, name="risk-matter-edit"),
    path("<int:pk>/decide/", views.risk_matter_decide, name="risk-matter-decide"),
    path("<int:pk>/assessments/new/", views.risk_assessment_new, name="risk-assessment-new"),
    path("assessments/<int:pk>/", views.risk_assessment_detail, name="risk-assessment-detail"),
    path("assessments/<int:pk>/edit/", views.risk_assessment_edit, name="risk-assessment-edit"),
    path(
        "assessments/<int:pk>/consultations/",
        views.risk_consultation_add,
        name="risk-consultation-add",
    ),
    path(
        "assessments/<int:pk>/complete/",
        views.risk_assessment_complete,
        name="risk-assessment-complete",
    ),
]
