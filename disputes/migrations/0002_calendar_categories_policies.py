from django.db import migrations

from disputes.defaults import reference_data_ensure


def add_reference_data(apps, schema_editor):
    """The holiday calendar of every year the installed chinese-calendar covers, the seeds'
    dispute categories (D22) and the default deadline policy; idempotent."""
    reference_data_ensure(lambda name: apps.get_model("disputes", name))


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_reference_data, migrations.RunPython.noop),
    ]
