from django.db import migrations

from grid.defaults import DEFAULT_TEAM_ROLES


def add_roles(apps, schema_editor):
    TeamRole = apps.get_model("grid", "TeamRole")
    for code, name, order in DEFAULT_TEAM_ROLES:
        TeamRole.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("grid", "0001_initial")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
