from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from disputes.demo import (
    demo_cases_load,
    demo_mediation_organisations_load,
    demo_meetings_load,
    demo_receptions_load,
    demo_risk_register_load,
    demo_screenings_load,
)
from governance.models import ApiToken, Role, User
from governance.services import api_token_issue, user_create, user_update
from grid.generation import DISTRICT_CODE, DistrictSpec, district_build, units_build
from grid.models import Area, AreaLevel, Unit
from population.demo import (
    demo_compounds_load,
    demo_corrections_load,
    demo_drives_load,
    demo_employer_account_load,
    demo_households_load,
    demo_imports_load,
    demo_ledger_quality_load,
    demo_organisations_load,
    demo_permits_load,
    demo_rental_incidents_load,
    demo_residents_load,
    demo_special_group_exports_load,
    demo_special_groups_load,
    demo_visits_load,
)

DEMO_PASSWORD = "Grid@Demo2026"


class Command(BaseCommand):
    help = "Load the demo district (areas, boundaries, teams) and one account per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grids",
            type=int,
            default=0,
            help="size of the district (default: demo size, 36 grids)",
        )

    @transaction.atomic
    def handle(self, *args, grids: int, **options):
        # It resets five accounts to a published password: never on a real portal by mistake.
        if not settings.DEMO_MODE:
            raise CommandError("load_demo runs only with DEMO_MODE=1 (as `make demo` sets it).")
        district = Area.objects.filter(code=DISTRICT_CODE).first()
        if district is None:
            spec = (
                DistrictSpec.for_grids(grids)
                if grids
                else DistrictSpec(streets=3, communities_per_street=3, grids_per_community=4)
            )
            summary = district_build(spec=spec, password=DEMO_PASSWORD)
            district = summary.district
            self.stdout.write(
                f"Created {summary.areas} areas, {summary.users} staff accounts and {summary.team_members} team members."
            )
        else:
            self.stdout.write("The demo district is already loaded.")
        made = units_build(district=district)
        if made:
            self.stdout.write(f"Created {made} units (offices, member departments, enterprises).")
        street = Area.objects.filter(parent=district).order_by("code").first()
        grid = (
            Area.objects.filter(level=AreaLevel.GRID, path__startswith=street.path)
            .order_by("code")
            .first()
        )
        accounts = [
            ("admin", Role.ADMIN, district, "系统管理员"),
            ("leader", Role.LEADER, district, "区领导"),
            ("office", Role.OFFICE_STAFF, street, "街道综治办"),
            ("gridworker", Role.GRID_WORKER, grid, "网格员"),
            ("api-client", Role.API_CLIENT, district, "外部系统"),
            ("department", Role.DEPARTMENT, district, "区司法局"),
        ]
        units = {
            Role.OFFICE_STAFF: Unit.objects.get(area=street, kind="office"),
            Role.DEPARTMENT: Unit.objects.get(area=district, name=f"{district.name}司法局"),
        }
        rows = []
        for username, role, area, label in accounts:
            fields = {
                "role": role,
                "home_area": area,
                "unit": units.get(role),
                "last_name": label,
                "is_active": True,
            }
            existing = User.objects.filter(username=username).first()
            # No actor: the command acts as the system; the account rules still apply.
            if existing is None:
                user = user_create(actor=None, username=username, password=DEMO_PASSWORD, **fields)
            else:
                user = user_update(actor=None, user=existing, password=DEMO_PASSWORD, **fields)
            rows.append((username, user.get_role_display(), area.name))
        # The grid worker account is the grid's own worker in its team.
        grid.team_members.filter(role__code="grid_worker").update(
            user=User.objects.get(username="gridworker")
        )
        # Residents in the grid worker's grid and a few around it (registered by its worker).
        others = Area.objects.filter(level=AreaLevel.GRID).exclude(pk=grid.pk).order_by("code")
        residents = demo_residents_load(
            actor=User.objects.get(username="gridworker"), grids=[grid]
        ) + demo_residents_load(actor=User.objects.get(username="admin"), grids=list(others[:5]))
        if residents:
            self.stdout.write(f"Registered {residents} residents.")
        # Imports: every other grid gets its people through one; the office has one to load.
        imported = demo_imports_load(
            admin=User.objects.get(username="admin"),
            office=User.objects.get(username="office"),
            office_grids=list(
                Area.objects.filter(level=AreaLevel.GRID, path__startswith=street.path)
                .defer("boundary")
                .order_by("code")
            ),
        )
        if imported:
            self.stdout.write(f"Imported {imported} residents.")
        # Organisations in every grid: the worker's own, and the others by the administrator.
        organisations = demo_organisations_load(
            actor=User.objects.get(username="gridworker"), grids=[grid]
        ) + demo_organisations_load(actor=User.objects.get(username="admin"), grids=list(others))
        if organisations:
            self.stdout.write(f"Registered {organisations} organisations.")
        # A correction in each grid's history, by the grid's worker or the administrator.
        corrected = demo_corrections_load(
            actor=User.objects.get(username="gridworker"), grids=[grid]
        ) + demo_corrections_load(actor=User.objects.get(username="admin"), grids=list(others))
        if corrected:
            self.stdout.write(f"Corrected {corrected} organisations (see their history).")
        # Residence permits, a foreign national's visa and employer links (P3, P7, P10).
        permits = demo_permits_load(
            actor=User.objects.get(username="gridworker"), grids=[grid]
        ) + demo_permits_load(actor=User.objects.get(username="admin"), grids=list(others[:5]))
        if permits:
            self.stdout.write(f"Registered {permits} permits, visas and floating workers.")
        # 以业管人 (P7): the growing textile mill of the grid next to the grid worker's (in the
        # office's street) registers its own floating workers.
        employer = demo_employer_account_load(
            grid=others[0], username="enterprise", password=DEMO_PASSWORD
        )
        if employer is not None:
            rows.append((employer.username, employer.get_role_display(), str(employer.unit)))
        tagged = demo_special_groups_load(actor=User.objects.get(username="admin"))
        if tagged:
            self.stdout.write(f"Tagged {tagged} special-group records.")
        # A ledger export the office may download, and one awaiting the leader (P24).
        exports = demo_special_group_exports_load(
            office=User.objects.get(username="office"), leader=User.objects.get(username="leader")
        )
        if exports:
            self.stdout.write(f"Requested {exports} special-group ledger exports.")
        # Houses and households in every grid; the residents above join theirs.
        houses = demo_households_load(
            actor=User.objects.get(username="admin"),
            grids=list(Area.objects.filter(level=AreaLevel.GRID).order_by("code")),
        )
        if houses:
            self.stdout.write(f"Registered {houses} houses with their households.")
        # Compounds (四位一体, P27): two per community, one missing its owners' committee; the
        # grid worker's grid first, so that its compound is a complete one.
        compounds = demo_compounds_load(
            actor=User.objects.get(username="admin"),
            grids=[
                grid,
                *Area.objects.filter(level=AreaLevel.GRID).exclude(pk=grid.pk).order_by("code"),
            ],
        )
        if compounds:
            self.stdout.write(f"Registered {compounds} compounds (四位一体).")
        # Incidents at rental houses and the accountability they bring (P5).
        incidents = demo_rental_incidents_load(
            gridworker=User.objects.get(username="gridworker"),
            office=User.objects.get(username="office"),
            grids=list(
                Area.objects.filter(level=AreaLevel.GRID, path__startswith=street.path)
                .defer("boundary")
                .order_by("code")
            ),
        )
        if incidents:
            self.stdout.write(f"Recorded {incidents} incidents at rental houses.")
        # Expected household counts (thin and complete grids) and a few incomplete records.
        counted = demo_ledger_quality_load(
            actor=User.objects.get(username="admin"),
            grids=list(Area.objects.filter(level=AreaLevel.GRID).order_by("code")),
        )
        if counted:
            self.stdout.write(f"Set the expected household count of {counted} grids.")
        # Visits by every grid worker of every grid (the grid worker account's among them).
        visits = demo_visits_load(grids=list(Area.objects.filter(level=AreaLevel.GRID)))
        if visits:
            self.stdout.write(f"Logged {visits} visits.")
        # Last year's key-youth drive (closed) and this month's clean-up (running), with
        # care and counselling on the grid's members (P8, P16, P23).
        drives = demo_drives_load(
            office=User.objects.get(username="office"),
            gridworker=User.objects.get(username="gridworker"),
        )
        if drives:
            self.stdout.write(f"Opened {drives} re-verification drives.")
        # The stability-risk register: a few matters per street, decided by the district leader.
        streets = Area.objects.filter(parent=district).defer("boundary").order_by("code")
        offices = {
            each: User.objects.get(username="office")
            if each.pk == street.pk
            else User.objects.filter(role=Role.OFFICE_STAFF, home_area=each).order_by("pk").first()
            for each in streets
        }
        matters = demo_risk_register_load(
            leader=User.objects.get(username="leader"),
            offices={each: office for each, office in offices.items() if office is not None},
        )
        if matters:
            self.stdout.write(f"Registered {matters} matters for stability-risk assessment.")
        # The register of mediation organisations (D19) the cases are routed to.
        organisations = demo_mediation_organisations_load(
            admin=User.objects.get(username="admin"), district=district, community=grid.parent
        )
        if organisations:
            self.stdout.write(f"Registered {organisations} mediation organisations.")
        # Dispute cases in every state, around the grid worker's grid.
        cases = demo_cases_load(
            gridworker=User.objects.get(username="gridworker"),
            office=User.objects.get(username="office"),
            community_office=User.objects.filter(role=Role.OFFICE_STAFF, home_area=grid.parent)
            .order_by("pk")
            .first(),
            leader=User.objects.get(username="leader"),
            department=User.objects.get(username="department"),
        )
        if cases:
            self.stdout.write(f"Registered {cases} dispute cases.")
        # Last week's meeting of the street office on its major and overdue cases (D14).
        if demo_meetings_load(
            office=User.objects.get(username="office"),
            leader=User.objects.get(username="leader"),
            department=User.objects.get(username="department"),
        ):
            self.stdout.write("Recorded a meeting on disputes with its decisions.")
        # The district leader's receptions: last week's (a case opened) and next week's.
        receptions = demo_receptions_load(
            leader=User.objects.get(username="leader"),
            gridworker=User.objects.get(username="gridworker"),
        )
        if receptions:
            self.stdout.write(f"Published {receptions} leaders' receptions.")
        # The two screenings of recent periods: submitted, zero, late and missing reports.
        screened = demo_screenings_load(district=district)
        if screened:
            self.stdout.write(f"Submitted {screened} screening reports of recent periods.")
        client = User.objects.get(username="api-client")
        # A fresh key at every load: the old one cannot be shown again, only its hash is kept.
        ApiToken.objects.filter(client=client, name="demo").delete()
        _, key = api_token_issue(
            actor=User.objects.get(username="admin"), client=client, name="demo", area=district
        )

        # Unit tokens (P7): the systems of the member department and of the enterprise.
        unit_keys = []
        for username in ("department", "enterprise"):
            member = User.objects.filter(username=username).select_related("unit").first()
            if member is None or member.unit is None:
                continue
            ApiToken.objects.filter(client=member, name="demo").delete()
            _, unit_key = api_token_issue(
                actor=User.objects.get(username="admin"),
                client=member,
                name="demo",
                unit=member.unit,
            )
            unit_keys.append((username, member.unit.name, unit_key))

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        for username, role, area in rows:
            self.stdout.write(f"  {username:<12} {role:<14} {area}")
        self.stdout.write(f"  API token of api-client (scope {district.name}): {key}")
        for username, unit_name, unit_key in unit_keys:
            self.stdout.write(f"  API token of {username} (unit {unit_name}): {unit_key}")
        if not settings.OTP_REQUIRED:
            self.stdout.write(
                "  The TOTP second factor is switched off (OTP_REQUIRED=0) for this demo."
            )
