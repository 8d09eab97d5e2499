"""Enrolling and checking a TOTP device are services; the sign-in view only calls them."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.services import totp_device_for_sign_in, totp_device_verify


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def test_enrolment_keeps_one_pending_device_across_visits(users):
    first, enrolling = totp_device_for_sign_in(user=users["leader"])
    again, still_enrolling = totp_device_for_sign_in(user=users["leader"])
    assert enrolling and still_enrolling and first.pk == again.pk
    assert TOTPDevice.objects.filter(user=users["leader"]).count() == 1


def test_a_wrong_code_confirms_nothing(users):
    device, _ = totp_device_for_sign_in(user=users["leader"])
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    assert not totp_device_verify(device=device, token=wrong)
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed


def test_the_right_code_confirms_the_device_being_enrolled(users):
    device, _ = totp_device_for_sign_in(user=users["leader"])
    assert totp_device_verify(device=device, token=current_code(device))
    device, enrolling = totp_device_for_sign_in(user=users["leader"])
    assert device.confirmed and not enrolling
