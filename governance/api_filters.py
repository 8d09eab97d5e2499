"""Query filters of the API: a filter named in the query must have a value."""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend


class FilledFiltersForm(forms.Form):
    """?level= (or ?parent=) names a filter without a value: a mistake to point out, not
    "all levels". Text filters keep the empty string, which has a meaning (?code= : any code)."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if self.data.get(name) == "" and not isinstance(field, forms.CharField):
                self.add_error(name, _("Give this filter a value, or leave it out."))
        return cleaned


class PortalFilterSet(django_filters.FilterSet):
    def get_form_class(self):
        form = super().get_form_class()
        return type(form.__name__, (FilledFiltersForm, form), {})


class PortalFilterBackend(DjangoFilterBackend):
    """Also for the filter sets that views build from `filterset_fields`."""

    filterset_base = PortalFilterSet
