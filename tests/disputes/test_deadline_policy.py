"""The deadline policy: time limits per stage by severity (D13: 等级评估) and category (D22),
and the share of time after which the yellow card comes (D29: 预警督办制, configurable). The
default numbers are peer practice; no seed fixes them."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from disputes.defaults import DEFAULT_CATEGORIES
from disputes.models import DeadlinePolicy, DisputeCategory, Severity, Stage
from disputes.selectors import DeadlinePolicies, policy_for, stage_limit
from tests.conftest import login


def test_d13_every_grade_has_a_default_policy(db):
    assert stage_limit(Severity.GENERAL, None, Stage.ACCEPT) == 1
    assert stage_limit(Severity.GENERAL, None, Stage.HANDLE) == 10
    assert stage_limit(Severity.MAJOR, None, Stage.HANDLE) == 5
    assert stage_limit(Severity.MASS_INCIDENT, None, Stage.HANDLE) == 5
    assert stage_limit(Severity.MAJOR, None, Stage.VERIFY) == 5
    assert {p.yellow_card_percent for p in DeadlinePolicy.objects.all()} == {60}


def test_d22_the_seeds_categories_are_shipped_in_order(db):
    names = list(DisputeCategory.objects.values_list("name", flat=True))
    assert names == [name for _, name in DEFAULT_CATEGORIES]
    # seed 001: 劳资纠纷、医患纠纷、环境污染、交通事故、食品药品安全; 000: 经济纠纷; 003: 教育纠纷
    for word in (
        "劳资纠纷",
        "医患纠纷",
        "环境污染",
        "交通事故",
        "食品药品安全",
        "经济纠纷",
        "教育纠纷",
    ):
        assert any(word in name for name in names), word


def test_a_category_s_own_row_beats_the_any_category_row(db, django_assert_num_queries):
    labour = DisputeCategory.objects.get(code="labour")
    family = DisputeCategory.objects.get(code="family")
    DeadlinePolicy.objects.create(
        severity=Severity.GENERAL,
        category=labour,
        accept_days=2,
        handle_days=7,
        verify_days=3,
        yellow_card_percent=50,
    )
    with django_assert_num_queries(1):
        assert policy_for(Severity.GENERAL, labour).handle_days == 7
    assert stage_limit(Severity.GENERAL, labour.pk, Stage.VERIFY) == 3
    assert stage_limit(Severity.GENERAL, family, Stage.HANDLE) == 10
    assert stage_limit(Severity.MAJOR, labour, Stage.HANDLE) == 5  # no major row for labour
    with django_assert_num_queries(1):
        policies = DeadlinePolicies()
    with django_assert_num_queries(0):
        assert policies.stage_limit(Severity.GENERAL, labour, Stage.HANDLE) == 7
        assert policies.stage_limit(Severity.GENERAL, family.pk, Stage.HANDLE) == 10
        assert policies.policy_for(Severity.MASS_INCIDENT, None).verify_days == 5


def test_without_any_row_for_a_grade_the_error_says_what_to_do(db):
    DeadlinePolicy.objects.filter(severity=Severity.MAJOR).delete()
    with pytest.raises(DeadlinePolicy.DoesNotExist, match="No deadline policy for the severity"):
        policy_for(Severity.MAJOR, None)
    with pytest.raises(DeadlinePolicy.DoesNotExist):
        DeadlinePolicies().policy_for(Severity.MAJOR, None)


ADD_FORM = {
    "severity": Severity.GENERAL,
    "category": "",
    "accept_days": "1",
    "handle_days": "8",
    "verify_days": "5",
    "yellow_card_percent": "60",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, "This severity already has a policy for any category: edit that one."),
        ({"handle_days": "0"}, "greater than or equal to 1"),
        ({"accept_days": "0"}, "greater than or equal to 1"),
        ({"yellow_card_percent": "100"}, "less than or equal to 99"),
        ({"yellow_card_percent": "0"}, "greater than or equal to 1"),
    ],
)
def test_the_admin_refuses_a_bad_policy_with_a_clear_message(client, users, change, message):
    login(client, users["admin"])
    before = DeadlinePolicy.objects.count()
    response = client.post(
        reverse("admin:disputes_deadlinepolicy_add"),
        {**ADD_FORM, **change},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert DeadlinePolicy.objects.count() == before


def test_the_same_category_twice_is_refused(client, users):
    labour = DisputeCategory.objects.get(code="labour")
    login(client, users["admin"])
    url = reverse("admin:disputes_deadlinepolicy_add")
    form = {**ADD_FORM, "category": labour.pk}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert "This severity already has a policy for this category" in again.content.decode()
    assert DeadlinePolicy.objects.filter(category=labour).count() == 1
    assert policy_for(Severity.GENERAL, labour).handle_days == 8


def test_an_administrator_edits_the_numbers_but_not_the_key_of_a_row(client, users):
    policy = DeadlinePolicy.objects.get(severity=Severity.GENERAL, category=None)
    login(client, users["admin"])
    url = reverse("admin:disputes_deadlinepolicy_change", args=[policy.pk])
    response = client.post(url, {**ADD_FORM, "severity": Severity.MAJOR, "handle_days": "12"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.severity, policy.handle_days) == (Severity.GENERAL, 12)
    assert stage_limit(Severity.GENERAL, None, Stage.HANDLE) == 12
    entry = LogEntry.objects.get_for_object(policy).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == users["admin"]
    assert entry.changes_dict["handle_days"] == ["10", "12"]


def test_the_any_category_row_cannot_be_deleted_a_category_row_can(db, users):
    admin = users["admin"]
    fallback = DeadlinePolicy.objects.get(severity=Severity.GENERAL, category=None)
    specific = DeadlinePolicy.objects.create(
        severity=Severity.GENERAL,
        category=DisputeCategory.objects.get(code="medical"),
        accept_days=1,
        handle_days=10,
        verify_days=5,
        yellow_card_percent=60,
    )
    assert not admin.has_perm("disputes.delete_deadlinepolicy", fallback)
    assert admin.has_perm("disputes.delete_deadlinepolicy", specific)
    for key in ("street_office", "leader", "grid_worker_a"):
        assert users[key].has_perm("disputes.view_deadlinepolicy", fallback)
        assert not users[key].has_perm("disputes.change_deadlinepolicy", fallback)
        assert not users[key].has_perm("disputes.change_disputecategory")
