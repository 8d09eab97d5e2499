"""Row factories of the population app's models besides residents (tests/factories.py finds
`<Model>Factory` here)."""

import factory
from factory.django import DjangoModelFactory

from population.imports import resident_import_check
from population.models import ResidentImport
from tests.factories import SYSTEM, GridFactory, id_number_for

_numbers = iter(range(700_000, 800_000))


class ResidentImportFactory(DjangoModelFactory):
    """A checked (not loaded) one-row import of a person in a grid of `area`."""

    class Meta:
        model = ResidentImport

    area = factory.SubFactory(GridFactory)

    @classmethod
    def _create(cls, model_class, *, area, **fields):
        from tests.factories import grid_in

        grid = grid_in(area)
        content = (
            f"网格编码,姓名,公民身份号码\n{grid.code},导入居民,{id_number_for(next(_numbers))}\n"
        )
        resident_import = resident_import_check(
            actor=SYSTEM, file_name="residents.csv", content=content.encode()
        )
        if resident_import.area != area:
            resident_import.area = area
            resident_import.save(update_fields=["area"])
        return resident_import
