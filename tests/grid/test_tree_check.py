"""The nightly integrity check finds what a bad import or a hand edit can do to the tree."""

from grid.models import Area
from grid.selectors import area_tree_problems


def messages() -> list[str]:
    return [message for _, message in area_tree_problems()]


def test_a_sound_tree_has_no_problems(district):
    assert area_tree_problems() == []


def test_a_cycle_is_reported_not_a_crash(areas):
    Area.objects.filter(pk=areas["street_a"].pk).update(parent=areas["community_a"])
    found = messages()
    assert any("cycle" in m for m in found), found


def test_a_wrong_level_and_a_bad_code_are_reported(areas):
    Area.objects.filter(pk=areas["grid_a"].pk).update(level=3, code="999")
    grid = areas["grid_a"]
    assert sorted(messages()) == [
        f"{grid.name} (999): A Community code has 12 digits; “999” has 3.",
        f"{grid.name} (999): level 3 under a level-3 parent",
    ]


def test_overlapping_siblings_are_the_parents_problem(areas):
    grid_a, grid_b = areas["grid_a"], areas["grid_b"]
    Area.objects.filter(pk=grid_a.pk).update(boundary=grid_b.boundary)
    problems = area_tree_problems()
    overlaps = [(path, m) for path, m in problems if "overlaps" in m]
    assert overlaps and all(path == areas["community_a"].path for path, _ in overlaps)


def test_the_notice_is_written_in_the_portal_language_title_and_body(areas, users):
    # The worker's active language (English here, as in every test) must not leak into it.
    from governance.models import Notification
    from grid.services import area_tree_check_and_notify

    Area.objects.filter(pk=areas["grid_a"].pk).update(boundary=None, path="/999/")
    assert area_tree_check_and_notify() >= 2
    notice = Notification.objects.filter(kind="area_tree_check").first()
    assert notice.title.startswith("区域树检查发现")
    assert "网格没有边界" in notice.body and "应为" in notice.body
    assert "no boundary" not in notice.body and "should be" not in notice.body
