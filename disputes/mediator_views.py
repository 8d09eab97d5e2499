"""The mediator roster's pages (D20) and the register of mediation organisations (D19): the
lists of the user's areas, and adding or changing an entry for those who keep them (offices)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import mediator_services as services
from disputes.models import DisputeCategory, MediationOrganisation, Mediator
from governance.forms import form_errors_add, form_style
from governance.scoping import visible_to
from governance.views import portal_login_required
from grid.models import Area, Unit


class MediatorForm(forms.ModelForm):
    class Meta:
        model = Mediator
        fields = [
            "area",
            "name",
            "kind",
            "mediation_organisation",
            "organisation",
            "phone",
            "active",
        ]
        labels = {
            "area": gettext_lazy("area whose roster it is"),
            "organisation": gettext_lazy("organisation not in the register"),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_to(actor, Area.objects.defer("boundary"))
        self.fields["mediation_organisation"].queryset = _organisations_of(actor).filter(
            active=True
        )
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


def _organisations_of(actor) -> QuerySet[MediationOrganisation]:
    return visible_to(actor, MediationOrganisation.objects.select_related("area")).defer(
        "area__boundary"
    )


def _mediators(request):
    return visible_to(
        request.user, Mediator.objects.select_related("area", "mediation_organisation")
    ).defer("area__boundary")


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


class MediationOrganisationForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("categories handled"),
        queryset=DisputeCategory.objects.filter(active=True),
        required=False,
        help_text=gettext_lazy("None: it handles disputes of every category."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = MediationOrganisation
        fields = ["area", "name", "kind", "host_unit", "categories", "venue", "phone", "active"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_to(actor, Area.objects.defer("boundary"))
        self.fields["host_unit"].queryset = visible_to(actor, Unit.objects.filter(active=True))
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


@portal_login_required
def mediation_organisation_list(request):
    """The register (D19): the organisations serving the user's areas, with their
    categories and how many mediators belong to each."""
    may_keep = request.user.has_perm("disputes.add_mediationorganisation")
    form = MediationOrganisationForm(request.POST or None, actor=request.user) if may_keep else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            organisation = services.mediation_organisation_add(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request, _("%(name)s is on the register.") % {"name": organisation.name}
            )
            return redirect("cases:mediation-organisations")
    organisations = (
        _organisations_of(request.user)
        .select_related("host_unit")
        .prefetch_related("categories")
        .annotate(member_count=Count("members"))
    )
    category = request.GET.get("category", "")
    if category:
        organisations = organisations.filter(categories__code=category)
    return render(
        request,
        "disputes/mediation_organisation_list.html",
        {
            "organisations": organisations,
            "form": form,
            "categories": DisputeCategory.objects.filter(active=True),
            "category": category,
        },
        status=400 if form is not None and form.errors else 200,
    )


@portal_login_required
def mediation_organisation_detail(request, pk: int):
    organisation = get_object_or_404(
        _organisations_of(request.user).select_related("host_unit"), pk=pk
    )
    may_keep = request.user.has_perm("disputes.change_mediationorganisation", organisation)
    form = None
    if may_keep:
        form = MediationOrganisationForm(
            request.POST or None,
            instance=organisation,
            actor=request.user,
            initial={"categories": list(organisation.categories.all())},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.mediation_organisation_update(
                    actor=request.user, organisation=organisation, **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("cases:mediation-organisation", pk=organisation.pk)
    return render(
        request,
        "disputes/mediation_organisation_detail.html",
        {
            "organisation": organisation,
            "categories": organisation.categories.all(),
            "members": _mediators(request).filter(mediation_organisation=organisation),
            "sessions": visible_to(
                request.user,
                organisation.sessions.select_related("case").order_by("-held_on", "-pk"),
            )[:20],
            "form": form,
        },
    )
