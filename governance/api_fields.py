"""Fields for JSON bodies that take what the schema says and nothing else: DRF's own number
fields also take true/false and numeric strings, which the schema calls invalid."""

from rest_framework import serializers


class JsonFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        # JSON Schema counts 3.0 as an integer; true is no number at all.
        integral = isinstance(data, int) or (isinstance(data, float) and data.is_integer())
        if isinstance(data, bool) or not integral:
            self.fail("invalid")
        return super().to_internal_value(data)
