"""Code lists the population app ships with; the data migration loads them, and they stay
editable in the admin.

Special-group kinds (seed rules P15-P24). The follow-up intervals are editable defaults of
ours: no seed sets a visit frequency for any group (the only timed follow-up in the seeds is
the first-month assistance of released prisoners, P17, which the records track themselves).
The recidivism targets are seed 004's (P18); no seed sets one for drug relapse (P21).
"""

# code, name, parent code, specific fields, health related, follow-up days, recidivism target %
DEFAULT_SPECIAL_GROUP_KINDS: list[tuple[str, str, str, str, bool, int, str | None]] = [
    ("community_correction", "社区矫正人员", "", "correction", False, 30, None),
    ("released_prisoner", "刑满释放人员", "", "release", False, 30, "5.0"),
    ("released_reeducation", "解除劳动教养人员", "", "release", False, 30, "3.0"),
    ("drug_user", "吸毒人员", "", "drugs", False, 30, None),
    ("severe_mental_illness", "严重精神障碍患者", "", "mental_illness", True, 30, None),
    ("aids", "艾滋病危险人群", "", "", True, 90, None),
    ("key_youth", "重点青少年", "", "", False, 60, None),
    ("idle_youth", "闲散青少年", "key_youth", "", False, 60, None),
    ("prisoners_minor_children", "服刑在教人员未成年子女", "key_youth", "", False, 60, None),
    ("left_behind_children", "农村留守儿童", "key_youth", "", False, 60, None),
    ("street_children", "流浪乞讨未成年人", "key_youth", "", False, 30, None),
    ("cult_member", "邪教人员", "", "", False, 30, None),
    ("state_security_key_person", "危害国家安全重点人员", "", "", False, 30, None),
    ("extreme_mind_group", "易产生极端心理人员", "", "", False, 30, None),
    ("high_risk_floating", "流动人口高危人员", "", "", False, 30, None),
    ("foreign_national", "境外来华重点人员", "", "", False, 90, None),
]


def special_group_kinds_ensure(kind_model) -> None:
    """Create the shipped kinds that are missing (by code); never overwrite an edited one."""
    for order, (code, name, parent, details, health, days, target) in enumerate(
        DEFAULT_SPECIAL_GROUP_KINDS
    ):
        kind_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": kind_model.objects.get(code=parent) if parent else None,
                "details": details,
                "health_related": health,
                "follow_up_days": days,
                "recidivism_target_percent": target,
                "sort_order": (order + 1) * 10,
            },
        )
