from django.core import mail

from governance.models import Notification
from governance.notification_mail import notification_email_send
from governance.services import notification_mark_read, notification_send
from tests.factories import NotificationFactory


def test_sending_twice_with_the_same_key_stores_and_mails_once(
    users, django_capture_on_commit_callbacks, monkeypatch
):
    from governance.tasks import send_notification_email

    queued = []
    monkeypatch.setattr(send_notification_email, "delay", queued.append)
    recipients = [users["admin"], users["leader"]]
    users["admin"].email = "admin@example.org"
    users["admin"].save()
    for _ in range(2):  # a task run twice, or redelivered
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(recipients=recipients, kind="test", title="督办", dedupe_key="test:1")
    assert Notification.objects.filter(dedupe_key="test:1").count() == 2
    notice = Notification.objects.get(recipient=users["admin"])
    assert queued == [notice.pk]  # only the recipient with an address, only once
    assert notification_email_send(notification_id=notice.pk) is True
    assert notification_email_send(notification_id=notice.pk) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@example.org"]


def test_marking_read_touches_only_the_callers_notices(users):
    notification_send(recipients=[users["admin"], users["leader"]], kind="test", title="x")
    assert notification_mark_read(actor=users["admin"]) == 1
    assert Notification.objects.filter(recipient=users["leader"], read_at__isnull=True).count() == 1


def test_the_api_lists_only_the_callers_notifications(users, client):
    from tests.conftest import login

    notification_send(recipients=[users["street_office"]], kind="test", title="mine")
    notification_send(recipients=[users["leader"]], kind="test", title="not mine")
    login(client, users["street_office"])
    titles = [n["title"] for n in client.get("/api/v1/notifications/").json()["results"]]
    assert titles == ["mine"]
    assert client.post(
        "/api/v1/notifications/mark-read/", {}, content_type="application/json"
    ).json() == {"marked": 1}


def test_marking_read_with_bad_ids_is_a_field_error(users, client):
    from tests.conftest import login

    login(client, users["street_office"])
    response = client.post(
        "/api/v1/notifications/mark-read/", {"ids": [10**30, "x"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "ids" in response.json()


def test_a_notice_whose_mail_was_never_queued_is_mailed_by_the_sweep_once(users):
    from datetime import timedelta

    from governance.notification_mail import notification_email_pending

    users["leader"].email = "leader@example.org"
    users["leader"].save()
    # As if the broker was down at commit: the notice is stored, its mail never queued.
    notice = NotificationFactory(recipient=users["leader"], title="督办")
    assert notification_email_pending(older_than=timedelta(0)) == 1
    assert notification_email_pending(older_than=timedelta(0)) == 0
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None


def test_a_notification_links_only_inside_the_portal(users):
    import pytest

    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notification_send(recipients=[users["leader"]], kind="test", title="x", url=url)


def test_the_mail_links_to_the_portal_by_its_public_address(users, settings):
    settings.PORTAL_BASE_URL = "https://grid.example.gov.cn"
    users["leader"].email = "leader@example.org"
    users["leader"].save()
    notice = notification_send(recipients=[users["leader"]], kind="test", title="x", url="/areas/")[
        0
    ]
    notification_email_send(notification_id=notice.pk)
    assert "https://grid.example.gov.cn/areas/" in mail.outbox[0].body


def test_one_refused_address_does_not_hold_back_the_sweep(users, monkeypatch):
    from datetime import timedelta

    from governance import notification_mail as services

    for key in ("leader", "admin"):
        users[key].email = f"{key}@example.org"
        users[key].save()
        NotificationFactory(recipient=users[key], title=key)
    real_send_mail = services.send_mail

    def refuse_the_leader(**kwargs):
        if kwargs["recipient_list"] == ["leader@example.org"]:
            raise OSError("550 mailbox unavailable")
        return real_send_mail(**kwargs)

    monkeypatch.setattr(services, "send_mail", refuse_the_leader)
    assert services.notification_email_pending(older_than=timedelta(0)) == 1
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert Notification.objects.get(recipient=users["leader"]).emailed_at is None
