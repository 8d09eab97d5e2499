from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


LOCKED_FOR_30 = (
    "Too many failed sign-in attempts. The account is locked for 30 minutes; "
    "ask an administrator if you need access sooner."
)


def test_five_wrong_passwords_lock_the_account_for_thirty_minutes_even_for_the_right_one(users):
    """The defaults (LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES) follow level-three practice."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(4):
        assert sign_in(client, "t_office_a", "wrong-password").status_code == 200
    assert sign_in(client, "t_office_a", "wrong-password").status_code == 429
    response = sign_in(client, "t_office_a", PASSWORD)
    assert response.status_code == 429
    assert LOCKED_FOR_30 in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_follows_the_setting_in_chinese(users, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=45)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(5):
        sign_in(client, "t_office_a", "wrong-password")
    page = sign_in(client, "t_office_a", PASSWORD).content.decode()
    assert "登录失败次数过多，账号已被锁定 45 分钟；如需尽快恢复访问，请联系系统管理员。" in page


def test_a_lockout_is_per_account_not_per_office_address(users, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "t_office_a", "wrong-password")
    response = sign_in(client, "t_office_b", PASSWORD)
    assert response.status_code == 302


def test_failed_and_successful_logins_are_recorded(users):
    from axes.models import AccessFailureLog, AccessLog

    sign_in(Client(), "t_office_a", "wrong-password")
    sign_in(Client(), "t_office_a", PASSWORD)
    assert AccessFailureLog.objects.filter(username="t_office_a").count() == 1
    assert AccessLog.objects.filter(username="t_office_a").count() == 1


@pytest.mark.parametrize(
    ("proxies", "expected"), [(0, "10.0.0.2"), (1, "198.51.100.7"), (2, "203.0.113.9")]
)
def test_sign_ins_record_the_address_our_proxies_saw(users, settings, proxies, expected):
    """Behind NUM_PROXIES proxies the client is that many from the right of X-Forwarded-For;
    what the client wrote itself (the leftmost) is never taken for its address."""
    from axes.models import AccessFailureLog

    settings.NUM_PROXIES = proxies
    Client(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.9, 198.51.100.7"
    ).post(reverse("login"), {"username": "t_office_a", "password": "wrong-password"})
    assert AccessFailureLog.objects.get(username="t_office_a").ip_address == expected


def test_thirty_idle_minutes_sign_a_person_out_by_default(users):
    """SESSION_IDLE_MINUTES defaults to 30 (level-three practice), counted from the last
    request: 29 idle minutes keep the session, 31 end it."""
    from django.contrib.sessions.models import Session

    def idle(minutes: int) -> None:
        Session.objects.update(expire_date=F("expire_date") - timedelta(minutes=minutes))

    client = Client()
    sign_in(client, "t_office_a", PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    idle(29)
    assert client.get(reverse("home")).status_code == 200
    idle(31)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("password", ["short1A", "alllowercaseletters", "1234567890123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_mixed_long_password_is_accepted():
    validate_password("Grid@Portal2026x")


@pytest.mark.parametrize("role_user", ["leader", "admin"])
def test_leaders_and_administrators_must_pass_a_second_factor(users, role_user):
    client = Client()
    assert sign_in(client, users[role_user].username, PASSWORD).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp"))
    for page in (reverse("areas:tree"), reverse("password_change"), reverse("admin:index")):
        assert client.get(page).url.startswith(reverse("otp")), page
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Take@Over2026x",
            "new_password2": "Take@Over2026x",
        },
    )
    assert changed.url.startswith(reverse("otp"))
    users[role_user].refresh_from_db()
    assert users[role_user].check_password(PASSWORD)
    assert client.get("/api/v1/areas/").status_code == 403


def test_enrolling_and_entering_a_code_opens_the_portal(users):
    client = Client()
    sign_in(client, "t_leader", PASSWORD)
    page = client.get(reverse("otp"))
    assert "otp-secret" in page.content.decode()
    device = TOTPDevice.objects.get(user=users["leader"])
    wrong = client.post(
        reverse("otp"), {"token": "000000" if totp(device.bin_key) != 0 else "111111"}
    )
    assert wrong.status_code == 200 and "is-invalid" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes a user wait after a wrong code; the test need not
    code = f"{totp(device.bin_key):06d}"
    assert client.post(reverse("otp"), {"token": code, "next": "/areas/"}).url == "/areas/"
    assert client.get(reverse("home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_grid_workers_and_office_staff_need_no_second_factor(users):
    client = Client()
    sign_in(client, "t_gw_a", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_the_demo_setting_switches_the_second_factor_off(users, settings):
    settings.OTP_REQUIRED = False
    client = Client()
    sign_in(client, "t_leader", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_an_api_client_account_cannot_sign_in_to_pages(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(client, "t_client", PASSWORD)
    assert response.status_code == 200
    assert "use their token" in response.content.decode()


def test_the_idle_timeout_slides_with_each_request(users):
    from django.contrib.sessions.models import Session

    client = Client()
    sign_in(client, "t_office_a", PASSWORD)
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date.replace(year=2000))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response.url  # idle too long

    sign_in(client, "t_office_a", PASSWORD)
    key = client.session.session_key
    first = Session.objects.get(pk=key).expire_date
    client.get(reverse("home"))
    assert Session.objects.get(pk=key).expire_date > first


def test_everyone_changes_their_own_password_under_the_same_rules(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, "t_gw_a", PASSWORD)
    weak = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert weak.status_code == 200 and "is-invalid" in weak.content.decode()
    strong = "Grid@Worker2027x"
    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert done.status_code == 302
    users["grid_worker_a"].refresh_from_db()
    assert users["grid_worker_a"].check_password(strong)
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_a_lockout_lifts_after_the_cooling_off_time(users, settings):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "t_office_a", "wrong-password")
    assert sign_in(client, "t_office_a", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert sign_in(client, "t_office_a", PASSWORD).status_code == 302


def test_the_demo_login_page_says_the_second_factor_is_off(db, settings):
    settings.DEMO_MODE, settings.OTP_REQUIRED = True, False
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("login")).content.decode()
    assert 'data-testid="demo-notice"' in page and "switched off in this demo" in page


def test_a_locked_out_sign_in_says_when_to_retry(users, settings):
    from axes.models import AccessAttempt

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "t_office_a", "wrong-password")
    response = sign_in(client, "t_office_a", PASSWORD)
    assert response.status_code == 429
    assert 30 * 60 - 60 < int(response["Retry-After"]) <= 30 * 60
    assert "locked for 30 minutes" in response.content.decode()
    # Where a try during the lockout does not restart it, the wait is what is left of it.
    settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=20))
    response = sign_in(client, "t_office_a", PASSWORD)
    assert response.status_code == 429
    assert 9 * 60 < int(response["Retry-After"]) <= 10 * 60
