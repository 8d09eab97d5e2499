"""Enter a year's holidays and make-up working days from the installed chinese-calendar.

    manage.py calendar_import 2027 [--replace]

For a year the data migration could not seed (the package did not cover it then): upgrade
chinese-calendar once it covers the year, then run this. --replace re-imports a year already
entered, discarding its hand edits."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from disputes.calendar_services import calendar_year_import


class Command(BaseCommand):
    help = "Import a year of the holiday calendar from chinese-calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the year's days if it has been entered already (hand edits are lost).",
        )

    def handle(self, *args, year: int, replace: bool, **options) -> None:
        try:
            calendar_year = calendar_year_import(actor=None, year=year, replace=replace)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"{year}: {calendar_year.days.count()} days entered from {calendar_year.source}"
        )
