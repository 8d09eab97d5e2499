"""The bench generator's screenings (issue 8, Demo and generator), on the test district: it
runs against the test database here, never the bench's."""

import pytest

from bench.generate import SCREENING_HALF_MONTHS, Bench, generate_screenings
from disputes.models import ScreeningItem, ScreeningReport, ScreeningState


@pytest.mark.django_db
def test_the_generator_opens_periods_and_submits_zero_late_and_missing(district):
    made = generate_screenings(Bench(scale=0.001, district=district))
    reports = ScreeningReport.objects.all()
    assert made["screening reports"] == reports.count() > 0
    assert reports.values("period").distinct().count() >= SCREENING_HALF_MONTHS
    submitted = reports.filter(state=ScreeningState.SUBMITTED)
    assert submitted.filter(late=True).exists() and submitted.filter(disputes_zero=True).exists()
    assert reports.filter(state=ScreeningState.OPEN, late=True).exists()
    assert made["screening items"] == ScreeningItem.objects.count() > 0
    # A report with its dispute listed is not a zero report for disputes (D4).
    assert not ScreeningItem.objects.filter(report__disputes_zero=True).exists()
