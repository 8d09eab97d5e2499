"""Demo data of the disputes app for `make demo` (grid/management/commands/load_demo.py)."""

import datetime
from typing import Any

# --- Stability-risk assessment ---

# Per street: (title, kind, sponsor, requires assessment, what happens to it)
RISK_DEMO_MATTERS = [
    ("老旧小区综合改造工程", "project", "区住建局", True, "approved"),
    ("垃圾中转站选址调整", "decision", "区城管局", True, "refused"),
    ("农贸市场搬迁", "matter", "街道经济服务中心", True, "awaiting"),
    ("社区卫生服务站夜间门诊", "decision", "区卫健委", False, "proposed"),
]


def demo_risk_register_load(*, leader: Any, offices: dict[Any, Any]) -> int:
    """A few matters per street, once: one assessed (go with measures) and approved, one
    assessed no-go and not approved, one awaiting its assessment (a draft under way), one not
    requiring assessment. `offices`: street -> an office staff account of that street.
    Returns how many matters were registered."""
    from disputes.models import RiskMatter
    from disputes.risk_services import (
        risk_assessment_complete,
        risk_assessment_create,
        risk_matter_decide,
        risk_matter_register,
    )

    count = 0
    today = datetime.date.today()
    for street, office in offices.items():
        if RiskMatter.objects.filter(area=street).exists():
            continue
        for title, kind, sponsor, required, fate in RISK_DEMO_MATTERS:
            matter = risk_matter_register(
                actor=office,
                area=street,
                title=f"{street.name}{title}",
                kind=kind,
                sponsor=sponsor,
                description="拟于本年度实施,涉及辖区居民和商户。",
                planned_on=today + datetime.timedelta(days=90),
                requires_assessment=required,
            )
            count += 1
            if fate == "proposed":
                continue
            no_go = fate == "refused"
            assessment = risk_assessment_create(
                actor=office,
                matter=matter,
                possibility=4 if no_go else 3,
                severity=5 if no_go else 2,
                difficulty=4 if no_go else 2,
                findings=(
                    "周边居民反对意见集中,补偿方案未达成共识,存在聚集上访可能。"
                    if no_go
                    else "多数群众理解支持,少数住户对施工扰民有意见。"
                ),
                early_warning="关注周边小区业主群动态。" if no_go else "",
                judicial_advice="建议先行开展听证并完善补偿协议。" if no_go else "",
                measures="" if no_go else "公开施工方案,设立咨询点,限定夜间施工时段。",
                conclusion="no_go" if no_go else "go_with_measures",
                assessing_body=f"{street.name}综治中心",
                # Within this year, so that the year's counts (D34) show them.
                assessed_on=max(today - datetime.timedelta(days=7), today.replace(month=1, day=1)),
                consultations=[
                    {
                        "held_on": today - datetime.timedelta(days=14),
                        "form": "dialogue",
                        "participants": "居民代表12人、商户代表3人",
                        "opinions": "希望公开方案和补偿标准,控制施工时间。",
                    },
                    {
                        "held_on": today - datetime.timedelta(days=10),
                        "form": "survey",
                        "participants": "问卷326份",
                        "opinions": "支持率58%" if no_go else "支持率86%",
                    },
                ],
            )
            if fate == "awaiting":
                continue  # a draft under way: the office completes it
            risk_assessment_complete(actor=office, assessment=assessment)
            if no_go:
                risk_matter_decide(
                    actor=leader,
                    matter=matter,
                    decision="not_approved",
                    comment="评估结论为不予实施(当否必否)。",
                )
            else:
                risk_matter_decide(
                    actor=leader, matter=matter, decision="approved", comment="同意,落实化解措施。"
                )
    return count
