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


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0) and nothing else: django-filter's own reads "null", "unknown" or
    any other word as "no filter", which a client must learn was not what it asked."""

    widget = forms.TextInput  # NullBooleanSelect turns any unknown word into None first
    TRUE = frozenset({"true", "True", "1"})
    FALSE = frozenset({"false", "False", "0"})

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in self.TRUE or value is True:
            return True
        if value in self.FALSE or value is False:
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
