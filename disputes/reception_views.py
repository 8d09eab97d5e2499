"""Pages of leaders' receptions (D24): the list with the publishing form, and one reception
with its bookings, the booking form and how each reception went."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import reception_selectors as selectors
from disputes import reception_services as services
from disputes.case_selectors import registrable_grids
from disputes.models import DisputeCategory, ReceptionBooking, ReceptionSlot
from governance.errors import Conflict
from governance.forms import form_errors_add, form_style
from governance.views import portal_login_required


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SlotForm(forms.ModelForm):
    class Meta:
        model = ReceptionSlot
        fields = ["leader", "starts_at", "ends_at", "venue", "topic", "capacity"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = selectors.reception_leaders(user=actor)
        self.fields["leader"].label_from_instance = lambda user: user.display_name
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


class BookingForm(forms.ModelForm):
    class Meta:
        model = ReceptionBooking
        fields = ["name", "phone", "subject", "category", "people_count"]
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "subject": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = DisputeCategory.objects.filter(active=True)
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


class ReceiveForm(forms.Form):
    booking = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label=gettext_lazy("what was raised and answered"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    open_case = forms.BooleanField(label=gettext_lazy("open a case"), required=False)
    grid = forms.ModelChoiceField(
        label=gettext_lazy("grid the matter concerns"), queryset=None, required=False
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("category"),
        queryset=DisputeCategory.objects.filter(active=True),
        required=False,
    )
    title = forms.CharField(label=gettext_lazy("case title"), max_length=120, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = registrable_grids(user=actor)
        form_style(self)


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for cancelling"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)


@portal_login_required
def reception_list(request):
    may_publish = request.user.has_perm("disputes.add_receptionslot")
    form = SlotForm(request.POST or None, actor=request.user) if may_publish else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            slot = services.reception_slot_publish(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The reception is published."))
            return redirect("cases:reception", pk=slot.pk)
    return render(
        request,
        "disputes/reception_list.html",
        {
            "upcoming": selectors.reception_slot_list(user=request.user, upcoming=True),
            "past": selectors.reception_slot_list(user=request.user, upcoming=False).reverse()[:20],
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


@portal_login_required
def reception_detail(request, pk: int):
    slot = get_object_or_404(selectors.reception_slot_list(user=request.user), pk=pk)
    bookings = selectors.reception_booking_list(user=request.user).filter(slot=slot)
    may_book = request.user.has_perm("disputes.add_receptionbooking")
    may_run = request.user.has_perm("disputes.change_receptionslot", slot)
    booking_form = BookingForm(prefix="book") if may_book else None
    cancel_form = CancelForm(prefix="cancel") if may_run else None
    failed_receive: ReceiveForm | None = None
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "book" and may_book:
                booking_form = BookingForm(request.POST, prefix="book")
                if booking_form.is_valid():
                    services.reception_book(
                        actor=request.user, slot=slot, **booking_form.cleaned_data
                    )
                    messages.success(request, _("The booking is made."))
                    return redirect("cases:reception", pk=slot.pk)
            elif step == "cancel" and may_run:
                cancel_form = CancelForm(request.POST, prefix="cancel")
                if cancel_form.is_valid():
                    services.reception_slot_cancel(
                        actor=request.user, slot=slot, **cancel_form.cleaned_data
                    )
                    return redirect("cases:reception", pk=slot.pk)
            elif step in {"receive", "no_show"}:
                booking = get_object_or_404(bookings, pk=request.POST.get("booking"))
                if step == "no_show":
                    services.reception_no_show(actor=request.user, booking=booking)
                    return redirect("cases:reception", pk=slot.pk)
                failed_receive = ReceiveForm(
                    request.POST, actor=request.user, auto_id=f"id_{booking.pk}_%s"
                )
                if failed_receive.is_valid():
                    data = dict(failed_receive.cleaned_data)
                    data.pop("booking")
                    done = services.reception_receive(actor=request.user, booking=booking, **data)
                    if done.case_id:
                        messages.success(
                            request,
                            _("Case %(number)s is opened.") % {"number": done.case.number},
                        )
                    return redirect("cases:reception", pk=slot.pk)
            else:
                raise PermissionDenied
        except ValidationError as error:
            target = {"book": booking_form, "cancel": cancel_form}.get(step, failed_receive)
            if target is None:
                raise
            form_errors_add(target, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("cases:reception", pk=slot.pk)
    rows = []
    for booking in bookings:
        form = None
        if booking.status == "booked" and request.user.has_perm(
            "disputes.receive_receptionbooking", booking
        ):
            form = (
                failed_receive
                if failed_receive is not None
                and str(failed_receive.data.get("booking")) == str(booking.pk)
                else ReceiveForm(
                    initial={"booking": booking.pk, "category": booking.category_id},
                    actor=request.user,
                    auto_id=f"id_{booking.pk}_%s",
                )
            )
        rows.append((booking, form))
    return render(
        request,
        "disputes/reception_detail.html",
        {
            "slot": slot,
            "rows": rows,
            "booking_form": booking_form if slot.cancelled_at is None else None,
            "cancel_form": cancel_form if slot.cancelled_at is None else None,
        },
    )
