"""Reference data the disputes app ships with; data migrations load it, and it stays editable
in the admin. Every `*_ensure` creates what is missing and never overwrites an edited row.
"""

import datetime
from importlib.metadata import version
from typing import Any

import chinese_calendar

# --- Working days, categories, deadline policy -----------------------------------------------

# Categories (类别). D22: seed 001 names 劳资纠纷、医患纠纷、环境污染、交通事故、食品药品安全,
# seed 000 经济纠纷、民间纠纷, seed 003 教育纠纷. 民间纠纷 is kept as its usual two parts
# (neighbours, marriage and family); land, property and construction (incl. 征地拆迁) and
# "other" complete the list the way peer portals do; no seed names them.
DEFAULT_CATEGORIES: list[tuple[str, str]] = [
    ("neighbour", "邻里纠纷"),
    ("family", "婚姻家庭纠纷"),
    ("land", "土地纠纷(山林、宅基地)"),
    ("labour", "劳资纠纷"),
    ("medical", "医患纠纷"),
    ("environmental_pollution", "环境污染纠纷"),
    ("traffic_accident", "交通事故纠纷"),
    ("food_drug_safety", "食品药品安全纠纷"),
    ("property_construction", "物业与建设纠纷(征地拆迁)"),
    ("economic", "经济纠纷"),
    ("education", "教育纠纷"),
    ("other", "其他纠纷"),
]

# Time limits in working days, for any category of each grade: (accept, handle, verify,
# yellow card %). Peer practice; no seed fixes a deadline for resolving a dispute (seed-rules,
# "What the seeds do NOT say") nor the share of time after which the warning comes (D29 asks
# for the warning, configurable). 60 %: a case that has not moved by then is flagged while
# two fifths of its time is left to act.
DEFAULT_POLICIES: dict[str, tuple[int, int, int, int]] = {
    "general": (1, 10, 5, 60),
    "major": (1, 5, 5, 60),
    "mass_incident": (1, 5, 5, 60),
}


def calendar_package_source() -> str:
    return f"chinese-calendar {version('chinese-calendar')}"


def calendar_package_years() -> range:
    """The years the installed chinese-calendar knows (2004–2026 for 1.11.0)."""
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


def calendar_package_days(year: int) -> list[tuple[datetime.date, bool, str]]:
    """The exceptions of `year` in chinese-calendar: (date, is_working_day, name) for each
    weekday holiday and each weekend make-up working day (调休上班). Weekend days inside a
    holiday are days off anyway and are left out."""
    if year not in calendar_package_years():
        raise ValueError(f"chinese-calendar does not cover {year}")
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    days = [
        (day, False, names.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year and day.weekday() < 5
    ]
    days += [
        (day, True, f"{names.get(name, name)}调休上班")
        for day, name in chinese_calendar.workdays.items()
        if day.year == year and day.weekday() >= 5
    ]
    return sorted(days)


def calendar_year_load(year_model: Any, day_model: Any, year: int, *, note: str = "") -> Any:
    """Create `year` with its days from chinese-calendar (the year must not exist yet)."""
    calendar_year = year_model.objects.create(
        year=year, source=calendar_package_source(), note=note
    )
    day_model.objects.bulk_create(
        day_model(calendar_year=calendar_year, date=day, is_working_day=working, name=name)
        for day, working, name in calendar_package_days(year)
    )
    return calendar_year


def calendar_years_ensure(year_model: Any, day_model: Any) -> None:
    """Every year chinese-calendar covers that has not been entered; an entered year (by hand
    or an earlier import) is left as it is."""
    entered = set(year_model.objects.values_list("year", flat=True))
    for year in calendar_package_years():
        if year not in entered:
            calendar_year_load(year_model, day_model, year)


def dispute_categories_ensure(category_model: Any) -> None:
    for order, (code, name) in enumerate(DEFAULT_CATEGORIES):
        category_model.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": (order + 1) * 10}
        )


def deadline_policies_ensure(policy_model: Any) -> None:
    for severity, (accept, handle, verify, yellow) in DEFAULT_POLICIES.items():
        policy_model.objects.get_or_create(
            severity=severity,
            category=None,
            defaults={
                "accept_days": accept,
                "handle_days": handle,
                "verify_days": verify,
                "yellow_card_percent": yellow,
            },
        )


def reference_data_ensure(get_model: Any) -> None:
    """The data migration's rows (and the test suite's, after a flush). `get_model(name)`
    gives the model: the migration's historical one or the real one."""
    calendar_years_ensure(get_model("CalendarYear"), get_model("CalendarDay"))
    dispute_categories_ensure(get_model("DisputeCategory"))
    deadline_policies_ensure(get_model("DeadlinePolicy"))


# --- end of working days, categories, deadline policy ----------------------------------------
