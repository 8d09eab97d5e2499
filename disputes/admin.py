from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin, ObjectPermissionsTabularInline

from disputes.calendar_services import calendar_year_import
from disputes.mediator_services import (
    MEDIATOR_FIELDS,
    ORGANISATION_FIELDS,
    mediation_organisation_add,
    mediation_organisation_update,
    mediation_organisation_validate,
    mediator_add,
    mediator_update,
)
from disputes.models import (
    CalendarDay,
    CalendarYear,
    Case,
    CaseAction,
    DeadlinePolicy,
    DisputeCategory,
    MediationOrganisation,
    Mediator,
    Meeting,
    MeetingDecision,
    ReceptionBooking,
    ReceptionSlot,
    RiskAssessment,
    RiskConsultation,
    RiskMatter,
    ScreeningHotspot,
    ScreeningItem,
    ScreeningPeriod,
    ScreeningReport,
)
from governance.admin_base import ScopedAdminMixin
from governance.permissions import is_administrator
from governance.scoping import visible_to
from grid.models import Area, Unit

# --- Working days, categories, deadline policy -----------------------------------------------
# Reference data, the same in every area: the models' rules let administrators edit it and
# everyone else read it. The calendar's changelists carry the missing-year warning.

CALENDAR_CHANGE_LIST = "admin/disputes/calendar_change_list.html"


class CalendarDayInline(ObjectPermissionsTabularInline):
    model = CalendarDay
    fields = ["date", "is_working_day", "name"]
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(ObjectPermissionsModelAdmin):
    """A year of the State Council holiday calendar with its days: enter a year the package
    does not cover by hand here, or import it (manage.py calendar_import)."""

    change_list_template = CALENDAR_CHANGE_LIST
    list_display = ["year", "source", "day_count", "entered_at"]
    fields = ["year", "source", "note"]
    inlines = [CalendarDayInline]
    actions = ["reimport"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(day_count=Count("days"))

    @admin.action(
        description=_("Import the selected years again from chinese-calendar"), permissions=["add"]
    )
    def reimport(self, request, queryset):
        """Replaces the years' days, hand edits included; a year the package does not cover
        (entered by hand) is refused and kept."""
        for year in queryset.order_by("year").values_list("year", flat=True):
            try:
                calendar_year_import(actor=request.user, year=year, replace=True)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("%(year)s imported again.") % {"year": year})

    @admin.display(description=_("holidays and make-up working days"), ordering="day_count")
    def day_count(self, obj: CalendarYear) -> int:
        return obj.day_count  # type: ignore[attr-defined]


@admin.register(CalendarDay)
class CalendarDayAdmin(ObjectPermissionsModelAdmin):
    change_list_template = CALENDAR_CHANGE_LIST
    list_display = ["date", "weekday", "is_working_day", "name"]
    list_filter = ["calendar_year", "is_working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["calendar_year", "date", "is_working_day", "name"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")


@admin.register(DisputeCategory)
class DisputeCategoryAdmin(ObjectPermissionsModelAdmin):
    list_display = ["name", "code", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(ObjectPermissionsModelAdmin):
    """Time limits in working days. A row's severity and category are fixed once it exists
    (add another row for another pair), and a grade's any-category row cannot be deleted,
    so every case always finds a policy."""

    list_display = [
        "severity",
        "category",
        "accept_days",
        "handle_days",
        "verify_days",
        "yellow_card_percent",
    ]
    list_select_related = ["category"]
    list_filter = ["severity"]

    def get_readonly_fields(self, request, obj=None):
        return ["severity", "category"] if obj is not None else []


# --- end of working days, categories, deadline policy ----------------------------------------


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


# --- Cases ---
# Registered and moved through their steps on the portal's pages and the API (the services
# hold every rule); administrators read them here.


class CaseActionInline(admin.TabularInline):
    model = CaseAction
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "unit", "from_state", "to_state", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "state", "severity", "grid", "owner_unit", "stage_due_at"]
    list_filter = ["state", "severity", "source"]
    list_select_related = ["grid", "owner_unit"]
    search_fields = ["number", "title"]
    inlines = [CaseActionInline]

    actions = None  # no bulk deletion: a case is never deleted

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Never for a case (its rules deny it); asked without one, as Django's delete view
        # does before it looks the case up, the answer must not turn "not yours" into 403.
        return obj is None and is_administrator(request.user)


# --- The two screenings ---
# Reports are opened by the beat task and submitted on the pages and the API; the admin shows
# them. Periods are the opener's too: an administrator may only move a due day.


@admin.register(ScreeningPeriod)
class ScreeningPeriodAdmin(ObjectPermissionsModelAdmin):
    list_display = ["starts_on", "ends_on", "cadence", "due_on"]
    list_filter = ["cadence"]
    fields = ["cadence", "starts_on", "ends_on", "due_on"]
    readonly_fields = ["cadence", "starts_on", "ends_on"]

    def has_add_permission(self, request):
        return False


class ScreeningItemInline(_ReadOnly, admin.TabularInline):
    model = ScreeningItem
    fields = [
        "kind",
        "title",
        "grid",
        "severity",
        "category",
        "people_count",
        "responsible_leader",
        "deadline",
        "immediate",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("grid", "category").defer("grid__boundary")
        )


SCREENING_REPORT_FIELDS = [
    "unit",
    "period",
    "state",
    "disputes_zero",
    "security_zero",
    "late",
    "submitted_at",
    "submitted_by",
    "note",
    "reminded_at",
    "late_notified_at",
]


@admin.register(ScreeningReport)
class ScreeningReportAdmin(_ReadOnly, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["unit", "period", "state", "late", "disputes_zero", "security_zero"]
    list_filter = ["state", "late", "period__cadence"]
    search_fields = ["unit__name"]
    list_select_related = ["unit", "period"]
    fields = SCREENING_REPORT_FIELDS
    readonly_fields = SCREENING_REPORT_FIELDS
    inlines = [ScreeningItemInline]


@admin.register(ScreeningHotspot)
class ScreeningHotspotAdmin(_ReadOnly, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["area", "automatic", "flagged_at", "lifted_at"]
    list_filter = ["automatic"]
    list_select_related = ["area"]
    fields = ["area", "automatic", "reason", "flagged_by", "flagged_at", "lifted_at", "lifted_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")


# --- The mediator roster ---


@admin.register(Mediator)
class MediatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Kept on the portal's pages and the API (disputes.mediator_services); administrators
    read and correct it here."""

    list_display = ["name", "kind", "area", "organisation", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["area"]
    search_fields = ["name", "organisation"]
    fields = [
        "area",
        "name",
        "kind",
        "mediation_organisation",
        "organisation",
        "phone",
        "active",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = visible_to(request.user, Area.objects.defer("boundary"))
        if db_field.name == "mediation_organisation":
            kwargs["queryset"] = visible_to(request.user, MediationOrganisation.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in MEDIATOR_FIELDS}
        if change:
            saved = mediator_update(actor=request.user, mediator=obj, **data)
        else:
            saved = mediator_add(actor=request.user, **data)
        obj.pk = saved.pk


class MediationOrganisationAdminForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        try:
            mediation_organisation_validate(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(MediationOrganisation)
class MediationOrganisationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The register of mediation organisations (D19), kept on the portal's pages and the API
    (disputes.mediator_services); administrators read and correct it here."""

    list_display = ["name", "kind", "area", "host_unit", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["area", "host_unit"]
    search_fields = ["name", "venue"]
    fields = ["area", "name", "kind", "host_unit", "categories", "venue", "phone", "active"]
    filter_horizontal = ["categories"]
    form = MediationOrganisationAdminForm

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = visible_to(request.user, Area.objects.defer("boundary"))
        if db_field.name == "host_unit":
            kwargs["queryset"] = visible_to(request.user, Unit.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        pass  # saved with its categories in save_related, through the service

    def save_related(self, request, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in ORGANISATION_FIELDS}
        categories = form.cleaned_data["categories"]
        if change:
            saved = mediation_organisation_update(
                actor=request.user, organisation=form.instance, categories=categories, **data
            )
        else:
            saved = mediation_organisation_add(actor=request.user, categories=categories, **data)
        form.instance.pk = saved.pk


# --- Leaders' receptions (D24) ---


class ReceptionBookingInline(admin.TabularInline):
    model = ReceptionBooking
    fields = ["name", "phone_masked", "subject", "people_count", "status", "case"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("disputes.view_receptionslot", obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReceptionSlot)
class ReceptionSlotAdmin(ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Published, booked and received on the portal's pages and the API (the services);
    the admin shows them with their bookings (phones masked)."""

    list_display = ["leader", "starts_at", "ends_at", "venue", "capacity", "cancelled_at"]
    list_select_related = ["leader"]
    fields = [
        "area",
        "leader",
        "starts_at",
        "ends_at",
        "venue",
        "topic",
        "capacity",
        "published_by",
        "cancelled_at",
        "cancel_reason",
    ]
    readonly_fields = fields
    inlines = [ReceptionBookingInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Meetings on disputes (D14) ---


class MeetingDecisionInline(admin.TabularInline):
    model = MeetingDecision
    fields = ["text", "unit", "case", "deadline", "done_at", "done_by", "done_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("disputes.view_meeting", obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Recorded on the portal's pages and the API (the service notes each case discussed and
    tells each unit of its task); the admin shows them, and an administrator may delete a
    mistaken one."""

    list_display = ["held_on", "title", "kind", "area"]
    list_filter = ["kind"]
    list_select_related = ["area"]
    fields = ["area", "kind", "held_on", "title", "chair", "attendees", "minutes", "recorded_by"]
    readonly_fields = fields
    inlines = [MeetingDecisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
