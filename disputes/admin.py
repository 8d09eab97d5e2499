from django.contrib import admin
from rules.contrib.admin import ObjectPermissionsModelAdmin

from disputes.models import RiskAssessment, RiskConsultation, RiskMatter
from governance.admin_base import ScopedAdminMixin

# --- Stability-risk assessment ---
# Registered, assessed and decided on the portal's pages and the API (the services hold the
# rules: 应评尽评,当否必否); administrators read them here and may delete one of their area.

MATTER_FIELDS = [
    "area",
    "title",
    "kind",
    "sponsor",
    "description",
    "planned_on",
    "requires_assessment",
    "status",
    "decided_by",
    "decided_at",
    "decision_comment",
    "registered_by",
    "created_at",
]
ASSESSMENT_FIELDS = [
    "matter",
    "possibility",
    "severity",
    "difficulty",
    "level",
    "findings",
    "early_warning",
    "judicial_advice",
    "measures",
    "conclusion",
    "assessor",
    "assessing_body",
    "assessed_on",
    "status",
    "completed_at",
    "created_by",
]


class _ReadOnly:
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RiskMatter)
class RiskMatterAdmin(_ReadOnly, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["title", "kind", "area", "requires_assessment", "status", "created_at"]
    list_filter = ["status", "kind", "requires_assessment"]
    search_fields = ["title", "sponsor"]
    list_select_related = ["area"]
    fields = MATTER_FIELDS
    readonly_fields = MATTER_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")


class RiskConsultationInline(_ReadOnly, admin.TabularInline):
    model = RiskConsultation
    fields = ["held_on", "form", "participants", "opinions"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(_ReadOnly, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["matter", "level", "conclusion", "status", "assessed_on"]
    list_filter = ["status", "level", "conclusion"]
    list_select_related = ["matter"]
    fields = ASSESSMENT_FIELDS
    readonly_fields = ASSESSMENT_FIELDS
    inlines = [RiskConsultationInline]
