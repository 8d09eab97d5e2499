from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from governance.models import MAX_ID
from governance.services import user_assignment_validate


class PortalLoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_api_client:
            raise forms.ValidationError(
                _("API client accounts cannot sign in to pages; they use their token."),
                code="api_client",
            )


class OtpTokenForm(forms.Form):
    token = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class MarkReadForm(forms.Form):
    """Which notices to mark read: the ticked ids, or all of them when `all` is sent."""

    all = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        ids = []
        for raw in self.data.getlist("id"):
            if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
                raise forms.ValidationError(
                    _("“%(id)s” is not a notification number.") % {"id": raw[:20]}
                )
            ids.append(int(raw))
        if not ids and not cleaned.get("all"):
            raise forms.ValidationError(_("Choose the notifications to mark as read."))
        cleaned["ids"] = None if cleaned.get("all") else ids
        return cleaned


class UserAssignmentFormMixin:
    """Account forms of the admin show the rules of `user_assignment_validate` as field
    errors; saving goes through `user_create` / `user_update` (UserAdmin.save_model)."""

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the submitted values
        user = self.instance
        try:
            user_assignment_validate(
                actor=self.actor,
                role=user.role,
                home_area=user.home_area,
                is_superuser=user.is_superuser,
            )
        except ValidationError as error:
            self._update_errors(error)


class PortalUserCreationForm(UserAssignmentFormMixin, AdminUserCreationForm):
    pass


class PortalUserChangeForm(UserAssignmentFormMixin, UserChangeForm):
    pass


def form_style(form: forms.BaseForm) -> None:
    """Bootstrap's classes on a form's widgets (the portal's pages render fields by hand)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        else:
            field.widget.attrs["class"] = "form-control"


def form_errors_add(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's errors on the form: by field where the form has it, above the form
    otherwise (an edit form has no grid, a step's form no case)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class DateInput(forms.DateInput):
    """The browser's date picker: it reads and sends ISO dates only (2026-12-01), whatever the
    page's language would format them as."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
