from django.db import migrations

# "一格多元": the roles of a grid team, shipped as editable data.
DEFAULT_ROLES = [
    ("grid_manager", "网格长", 10),
    ("grid_worker", "专职网格员", 20),
    ("community_police", "社区民警", 30),
    ("assistant", "网格协管员", 40),
    ("supervisor", "网格督导员", 50),
    ("volunteer", "网格志愿者", 60),
]


def add_roles(apps, schema_editor):
    TeamRole = apps.get_model("grid", "TeamRole")
    for code, name, order in DEFAULT_ROLES:
        TeamRole.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("grid", "0001_initial")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
