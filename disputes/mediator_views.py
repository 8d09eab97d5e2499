"""The mediator roster's pages (D20): the list of the user's areas, and adding or changing a
mediator for those who keep the roster (offices)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import mediator_services as services
from disputes.models import Mediator
from governance.forms import form_errors_add, form_style
from governance.scoping import visible_to
from governance.views import portal_login_required
from grid.models import Area


class MediatorForm(forms.ModelForm):
    class Meta:
        model = Mediator
        fields = ["area", "name", "kind", "organisation", "phone", "active"]
        labels = {"area": gettext_lazy("area whose roster it is")}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_to(actor, Area.objects.defer("boundary"))
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


def _mediators(request):
    return visible_to(request.user, Mediator.objects.select_related("area")).defer("area__boundary")


@portal_login_required
def mediator_list(request):
    may_keep = request.user.has_perm("disputes.add_mediator")
    form = MediatorForm(request.POST or None, actor=request.user) if may_keep else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            mediator = services.mediator_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("%(name)s is on the roster.") % {"name": mediator})
            return redirect("cases:mediators")
    return render(
        request,
        "disputes/mediator_list.html",
        {"mediators": _mediators(request), "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@portal_login_required
def mediator_edit(request, pk: int):
    mediator = get_object_or_404(_mediators(request), pk=pk)
    if not request.user.has_perm("disputes.change_mediator", mediator):
        return render(request, "disputes/mediator_form.html", {"mediator": mediator, "form": None})
    form = MediatorForm(request.POST or None, instance=mediator, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.mediator_update(actor=request.user, mediator=mediator, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("cases:mediators")
    return render(request, "disputes/mediator_form.html", {"mediator": mediator, "form": form})
