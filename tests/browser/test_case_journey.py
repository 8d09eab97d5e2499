"""The dispute journey in a real browser (issue 8): a grid worker registers a case on a phone,
the community's office accepts it and hands it to the district's 司法局, the 司法局 accepts
it; its deadline passes (the scan, with the clock moved on): a yellow then a red card and an
escalation to the street, where the street's leader takes it and instructs; the 司法局
resolves it, the office verifies with the parties, the leader signs it off, and it closes."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from disputes.case_services import case_deadline_scan
from disputes.models import Case, CaseState
from grid.models import UnitKind
from tests.browser.conftest import sign_in
from tests.conftest import disputes_reference_data_default
from tests.factories import UnitFactory

pytestmark = pytest.mark.browser


def step(page: Page, name: str, fields: dict[str, str] | None = None, selects=None) -> None:
    """Open a step's panel on the case page, fill it and submit it."""
    panel = page.locator(f"details[data-step={name}]")
    panel.locator("summary").click()
    for field, value in (fields or {}).items():
        panel.locator(f"[name={name}-{field}]").fill(value)
    for field, choice in (selects or {}).items():
        select = panel.locator(f"select[name={name}-{field}]")
        if choice.isascii():
            select.select_option(value=choice)
        else:
            select.select_option(label=choice)
    panel.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_a_case_from_the_grid_to_the_leaders_sign_off(
    page: Page, live_server, areas, users, settings
):
    settings.OTP_REQUIRED = False  # the second factor has its own journey
    disputes_reference_data_default()  # an earlier transactional test may have flushed it
    base = live_server.url
    for key in ("community_a", "street_a"):
        UnitFactory(area=areas[key], kind=UnitKind.OFFICE, name=f"{areas[key].name}综治中心")
    department = users["department"]

    # A grid worker registers the case on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, users["grid_worker_a"].username)
    page.goto(f"{base}/disputes/new/")
    page.locator("#id_title").fill("宅基地围墙纠纷")
    page.locator("#id_summary").fill("两户村民因围墙位置争执")
    page.locator("#id_category").select_option(label="土地纠纷(山林、宅基地)")
    page.locator("#id_occurred_on").fill(timezone.localdate().isoformat())
    page.locator("#id_applicant").fill("张建国")
    page.locator("#id_respondents").fill("李秀英")
    page.locator("[data-testid=case-form] button[type=submit]").click()
    expect(page.locator("[data-testid=case-state]")).to_have_attribute("data-state", "registered")
    case = Case.objects.get()
    url = f"{base}/disputes/{case.pk}/"
    page.context.clear_cookies()

    # The community's office accepts it and hands it to the 司法局.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, users["community_office"].username)
    page.goto(url)
    step(page, "accept", {"measures": "现场勘查边界"})
    step(page, "hand_off", {"reason": "涉及土地权属"}, {"to_unit": department.unit.name})
    page.context.clear_cookies()

    # The 司法局 finds it waiting and accepts it.
    sign_in(page, base, department.username)
    page.goto(f"{base}/disputes/")
    page.locator("[data-testid=case-queue] a", has_text="宅基地围墙纠纷").click()
    step(page, "accept", {"measures": "行政调解"})
    expect(page.locator("[data-testid=case-owner]")).to_contain_text(department.unit.name)

    # Its deadline passes: the scan shows the cards and escalates the case.
    later = Case.objects.get().stage_due_at + datetime.timedelta(minutes=1)
    assert case_deadline_scan(now=later) == {"yellow": 1, "red": 1}
    page.reload()
    timeline = page.locator("[data-testid=case-timeline]")
    expect(timeline.locator("[data-action=yellow_card]")).to_have_count(1)
    expect(timeline.locator("[data-action=red_card]")).to_have_count(1)
    expect(timeline.locator("[data-action=escalate]")).to_have_count(1)
    page.context.clear_cookies()

    # The red card took it from the grid to the community; the street's office escalates it
    # once more, to the street, where its leader takes the case and instructs.
    sign_in(page, base, users["street_office"].username)
    page.goto(url)
    step(page, "escalate", {"reason": "逾期仍未化解"})
    page.context.clear_cookies()
    sign_in(page, base, users["street_leader"].username)
    page.goto(url)
    step(page, "take")
    step(page, "instruct", {"instruction": "本周内化解，依法依规"})
    page.context.clear_cookies()

    # The 司法局 resolves it; the office verifies with the parties.
    sign_in(page, base, department.username)
    page.goto(url)
    step(page, "resolve", {"agreement": "围墙后退半米", "resolution_method": "行政调解"})
    page.context.clear_cookies()
    sign_in(page, base, users["community_office"].username)
    page.goto(url)
    step(page, "verify", {"evaluation": "回访双方满意"}, {"satisfied": "yes"})
    expect(page.locator("[data-testid=case-state]")).to_have_attribute(
        "data-state", "awaiting_sign_off"
    )
    page.context.clear_cookies()

    # The leader signs it off: closed.
    sign_in(page, base, users["street_leader"].username)
    page.goto(url)
    step(page, "sign_off", {"comment": "同意结案"})
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.responsible_leader == users["street_leader"]
    assert [a.action for a in case.actions.all()] == [
        "register",
        "accept",
        "hand_off",
        "accept",
        "yellow_card",
        "red_card",
        "escalate",
        "escalate",
        "take",
        "instruct",
        "resolve",
        "verify",
        "sign_off",
    ]
