"""The risk level of an assessment's three scores (D32). The seeds name the factors
(可能性、危害程度和处置难度), not the formula: the table is the rule of risk_services.risk_level."""

import pytest

from disputes.risk_services import risk_level

# possibility, severity, difficulty -> level
TABLE = [
    (1, 1, 1, "low"),
    (2, 3, 1, "low"),  # 6: the top of low
    (3, 2, 3, "low"),
    (1, 5, 3, "low"),
    (2, 3, 4, "medium"),  # low, but hard to handle: one level up
    (1, 1, 5, "medium"),
    (1, 2, 4, "medium"),
    (3, 3, 1, "medium"),  # 9
    (2, 4, 3, "medium"),  # 8: the bottom of medium
    (2, 5, 2, "medium"),  # 10
    (5, 2, 2, "medium"),
    (3, 3, 4, "high"),  # medium, hard to handle
    (5, 3, 1, "high"),  # 15: the bottom of high
    (4, 4, 3, "high"),
    (5, 5, 1, "high"),
    (5, 5, 5, "high"),  # high stays high
]


@pytest.mark.parametrize(("possibility", "severity", "difficulty", "level"), TABLE)
def test_the_level_of_three_scores_follows_the_table_d32(possibility, severity, difficulty, level):
    assert risk_level(possibility=possibility, severity=severity, difficulty=difficulty) == level


def test_the_level_never_falls_when_a_score_rises():
    order = {"low": 0, "medium": 1, "high": 2}
    for p in range(1, 6):
        for s in range(1, 6):
            for d in range(1, 6):
                here = order[risk_level(possibility=p, severity=s, difficulty=d)]
                for bumped in ((p + 1, s, d), (p, s + 1, d), (p, s, d + 1)):
                    if max(bumped) <= 5:
                        above = risk_level(
                            possibility=bumped[0], severity=bumped[1], difficulty=bumped[2]
                        )
                        assert order[above] >= here, (p, s, d, bumped)


@pytest.mark.parametrize("scores", [(0, 1, 1), (1, 6, 1), (1, 1, -1)])
def test_a_score_outside_one_to_five_is_an_error(scores):
    with pytest.raises(ValueError):
        risk_level(possibility=scores[0], severity=scores[1], difficulty=scores[2])
