from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin, ObjectPermissionsTabularInline

from disputes.calendar_services import calendar_year_import
from disputes.models import CalendarDay, CalendarYear, DeadlinePolicy, DisputeCategory

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
