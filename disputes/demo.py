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


# --- Cases ---

# (title, summary, category code, the parties)
CASE_DEMO = [
    ("楼上漏水纠纷", "楼上住户卫生间漏水，楼下天花板受损，双方就维修和赔偿争执不下。", "neighbour"),
    ("装修噪音扰民", "住户夜间装修，多名邻居投诉，双方发生口角。", "neighbour"),
    ("工地拖欠农民工工资", "某建筑工地拖欠二十余名农民工三个月工资，工人聚集讨薪。", "labour"),
    ("宅基地边界争议", "两户村民因宅基地边界围墙位置发生争执。", "land"),
    (
        "物业费收取争议",
        "业主对物业服务不满拒交物业费，物业公司停止部分服务。",
        "property_construction",
    ),
    ("医疗费用纠纷", "患者家属对社区卫生服务站收费和诊疗结果有异议。", "medical"),
    ("赡养老人纠纷", "三兄弟因老人赡养费分担产生矛盾。", "family"),
    ("餐馆油烟污染", "临街餐馆油烟直排，楼上居民多次投诉。", "environmental_pollution"),
    ("交通事故赔偿", "电动车与行人相撞，双方对赔偿金额分歧较大。", "traffic_accident"),
    ("集体讨要拆迁补偿", "十余户居民对拆迁补偿标准不满，联名上访。", "property_construction"),
]


def demo_cases_load(
    *, gridworker: Any, office: Any, community_office: Any, leader: Any, department: Any
) -> int:
    """Cases in every state for the demo district, once: waiting to be accepted (one overdue,
    carded and escalated), in mediation, handed to the district's 司法局 (one returned first),
    a major case awaiting the leader's sign-off, closed ones (settled with the parties
    satisfied, and one referred to court), a collective petition, and one the department
    received on its hotline. Returns how many cases were registered."""
    from django.utils import timezone

    from disputes.case_services import (
        case_accept,
        case_deadline_scan,
        case_fail,
        case_hand_off,
        case_mediate,
        case_register,
        case_resolve,
        case_return,
        case_verify,
        stage_begin,
    )
    from disputes.models import Case, DisputeCategory

    grid = gridworker.home_area
    if Case.objects.filter(grid__path__startswith=grid.parent.path).exists():
        return 0
    today = timezone.localdate()
    categories = {c.code: c for c in DisputeCategory.objects.all()}

    def register(n: int, actor: Any, **more: Any) -> Any:
        title, summary, code = CASE_DEMO[n]
        fields = {
            "title": title,
            "summary": summary,
            "category": categories[code],
            "source": "visit",
            "grid": grid,
            "occurred_on": today - datetime.timedelta(days=3 + n),
            "address": f"{grid.name}{n + 1}幢{n % 3 + 1}单元",
            "parties": [
                {"role": "applicant", "name": ["张建国", "李秀英", "王强", "赵敏", "陈刚"][n % 5]},
                {"role": "respondent", "name": ["刘洋", "黄丽", "周杰", "吴芳", "徐明"][n % 5]},
            ],
        }
        return case_register(actor=actor, **{**fields, **more})

    # Waiting for the community's office; the first is long overdue (carded, escalated).
    overdue = register(0, gridworker)
    stage_begin(overdue, timezone.now() - datetime.timedelta(days=10))
    overdue.save()
    register(1, gridworker)
    # The community's mediator roster (D20): a people's mediator and a 和谐使者.
    from disputes.mediator_services import mediator_add
    from disputes.models import MediationOrganisation

    room = MediationOrganisation.objects.filter(
        area=grid.parent, name=f"{grid.parent.name}人民调解室"
    ).first()
    roster = [
        mediator_add(
            actor=community_office,
            area=grid.parent,
            name=name,
            kind=kind,
            mediation_organisation=room,
            phone=phone,
        )
        for name, kind, phone in (
            ("陈淑芬", "peoples", "13857100001"),
            ("王大伯", "volunteer", "13857100002"),
        )
    ]
    # In mediation.
    mediating = register(2, gridworker, people_involved=23)
    case_accept(actor=community_office, case=mediating, measures="约谈施工方，联合人社所调解")
    case_mediate(
        actor=community_office,
        case=mediating,
        kind="peoples",
        held_on=today,
        roster=roster,
        organisation=room,
        mediators="人社所劳动监察员",
        participants="施工方负责人、工人代表3名",
        outcome="施工方承诺分两期支付，工人代表要求一次付清，继续调解",
    )
    # Handed to the district's 司法局: one waiting for it, one it returned first.
    handed = register(3, gridworker)
    case_accept(actor=community_office, case=handed, measures="现场勘查边界")
    case_hand_off(
        actor=community_office,
        case=handed,
        to_unit=department.unit,
        kind="administrative",
        reason="涉及土地权属，需司法所行政调解",
    )
    returned = register(4, gridworker)
    case_hand_off(
        actor=community_office,
        case=returned,
        to_unit=department.unit,
        kind="transfer",
        reason="物业纠纷请司法局调解",
    )
    case_return(actor=department, case=returned, reason="属物业服务合同纠纷，请社区先行调解")
    # A major case on the leader's desk, awaiting sign-off.
    major = register(5, office, severity="major", source="walk_in", people_involved=6)
    case_accept(
        actor=office, case=major, measures="街道牵头，卫健部门参与", responsible_leader=leader
    )
    case_resolve(
        actor=office,
        case=major,
        agreement="服务站退还部分费用并致歉",
        resolution_method="行政调解",
        resolution_org="街道综治中心",
    )
    case_verify(actor=office, case=major, satisfied=True, evaluation="双方满意", evaluated_on=today)
    # Closed: settled and verified; and one referred to court.
    settled = register(6, gridworker)
    case_accept(actor=community_office, case=settled, measures="上门调解")
    case_resolve(
        actor=community_office,
        case=settled,
        agreement="三兄弟按月轮流承担赡养费",
        resolution_method="人民调解",
    )
    case_verify(
        actor=community_office,
        case=settled,
        satisfied=True,
        evaluation="回访老人，赡养费已按时到位",
        evaluated_on=today,
    )
    referred = register(8, gridworker)
    case_accept(actor=community_office, case=referred, measures="组织双方协商")
    case_fail(
        actor=community_office,
        case=referred,
        outcome="court",
        referred_to="区人民法院",
        resolution_notes="赔偿金额分歧大，引导当事人诉讼",
    )
    # A collective petition, taken by the street's office.
    register(9, office, source="walk_in", people_involved=14, collective_petition=True)
    # One the department received on its hotline and handles itself.
    hotline = register(7, department, source="hotline")
    case_accept(actor=department, case=hotline, measures="联系环保部门执法检查")
    case_deadline_scan()
    return len(CASE_DEMO)


# --- The two screenings ---

# (kind, title, category code or None, severity, people, measures) found in the screenings.
SCREENING_DEMO_ITEMS = [
    ("dispute", "楼上漏水引发邻里纠纷", "neighbour", "general", 2, "社区调委会上门调解"),
    ("dispute", "装修公司拖欠农民工工资", "labour", "major", 23, "人社部门约谈企业负责人"),
    ("hazard", "老旧小区电动车楼道充电", None, "general", 1, "清理楼道,设置集中充电点"),
    ("security_problem", "夜市周边盗窃电瓶多发", None, "general", 6, "增加巡逻频次"),
    ("dispute", "征地补偿款分配争议", "property_construction", "general", 11, "街道牵头召开协调会"),
]


def demo_screenings_load(*, district: Any, today: datetime.date | None = None) -> int:
    """The two screenings of recent periods for the district's units, once: the last two
    half-months and the last month before the current ones, mostly submitted on time (some
    with items, most zero reports), a few submitted late and a few missing (listed late to
    the level above by the late scan); the current periods open, with a grid worker's entry
    in the first community's report. Returns how many reports were submitted."""
    from disputes.models import DisputeCategory, ScreeningReport, ScreeningState
    from disputes.screening_services import (
        period_bounds,
        screening_item_add,
        screening_late_scan,
        screening_periods_open,
        screening_report_submit,
    )
    from governance.models import Role, User
    from grid.models import AreaLevel

    today = today or datetime.date.today()
    reports = ScreeningReport.objects.filter(unit__area__path__startswith=district.path)
    if reports.filter(state=ScreeningState.SUBMITTED).exists():
        return 0
    # Days inside the earlier periods: opening on them makes those periods' reports.
    half_start, _end = period_bounds("half_monthly", today)
    earlier_half = half_start - datetime.timedelta(days=1)
    earliest_half = period_bounds("half_monthly", earlier_half)[0] - datetime.timedelta(days=1)
    last_month = period_bounds("monthly", today)[0] - datetime.timedelta(days=1)
    for day in (earliest_half, earlier_half, last_month, today):
        screening_periods_open(today=day)
    system = User(username="demo", is_superuser=True, is_active=True)
    categories = {c.code: c for c in DisputeCategory.objects.all()}
    submitted = 0
    past = (
        reports.filter(period__due_on__lt=today)
        .select_related("unit__area", "unit__liaison", "period")
        .order_by("period__starts_on", "unit__area__path", "unit__name")
    )
    for index, report in enumerate(past):
        if index % 9 == 8:
            continue  # missing: the late scan lists it to the level above
        liaison = report.unit.liaison
        actor = liaison if liaison and liaison.has_perm(
            "disputes.change_screeningreport", report
        ) else system  # fmt: skip
        department = User.objects.filter(unit=report.unit, role=Role.DEPARTMENT).first()
        actor = department or actor
        grid = (
            report.unit.area.children.defer("boundary").order_by("code").first()
            if report.unit.area.level == AreaLevel.COMMUNITY
            else None
        )
        items = []
        if index % 4 == 1:
            kind, title, code, severity, people, measures = SCREENING_DEMO_ITEMS[
                index % len(SCREENING_DEMO_ITEMS)
            ]
            items.append(
                {
                    "kind": kind,
                    "title": title,
                    "grid": grid,
                    "category": categories.get(code) if code else None,
                    "severity": severity,
                    "people_count": people,
                    "parties": "当事人双方" if kind == "dispute" else "",
                    "responsible_leader": "综治中心主任",
                    "handlers": "网格员、调解员",
                    "measures": measures,
                    "deadline": report.period.ends_on + datetime.timedelta(days=15),
                }
            )
        found = {item["kind"] for item in items}
        on_day = report.period.due_on + datetime.timedelta(days=2 if index % 7 == 3 else 0)
        screening_report_submit(
            actor=actor,
            report=report,
            disputes_zero="dispute" not in found,
            security_zero=not (found - {"dispute"}),
            items=items,
            today=on_day,
        )
        submitted += 1
    screening_late_scan(today=today)
    worker = User.objects.filter(username="gridworker").select_related("home_area").first()
    if worker is not None and worker.home_area is not None:
        current = reports.filter(
            state=ScreeningState.OPEN,
            unit__area_id=worker.home_area.parent_id,
            period__starts_on__lte=today,
            period__due_on__gte=today,
        ).first()
        if current is not None:
            kind, title, code, severity, people, measures = SCREENING_DEMO_ITEMS[0]
            screening_item_add(
                actor=worker,
                report=current,
                kind=kind,
                title=title,
                category=categories.get(code),
                severity=severity,
                people_count=people,
                parties="3号楼王某、4号楼李某",
                responsible_leader="社区综治专干",
                measures=measures,
                deadline=today + datetime.timedelta(days=10),
            )
    return submitted


def demo_mediation_organisations_load(*, admin: Any, district: Any, community: Any) -> int:
    """The register of mediation organisations (D19), once: the district's professional and
    industry bodies by category (医患, 交通事故, 劳动争议, 物业), each street's people's mediation
    committee, 平和司法室 and 警民联调室, and the grid worker's community's mediation room
    (its mediators join it in demo_cases_load). Returns how many it registered."""
    from disputes.mediator_services import mediation_organisation_add
    from disputes.models import DisputeCategory, MediationOrganisation
    from grid.models import Area, AreaLevel, Unit

    if MediationOrganisation.objects.filter(area__path__startswith=district.path).exists():
        return 0
    categories = {c.code: c for c in DisputeCategory.objects.all()}
    units = {u.name: u for u in Unit.objects.filter(area=district)}
    made = 0

    def add(
        area: Any, name: str, kind: str, host: str = "", codes: tuple = (), **more: Any
    ) -> None:
        nonlocal made
        mediation_organisation_add(
            actor=admin,
            area=area,
            name=name,
            kind=kind,
            host_unit=units.get(f"{district.name}{host}") if host else None,
            categories=[categories[code] for code in codes],
            **more,
        )
        made += 1

    add(
        district,
        f"{district.name}医疗纠纷人民调解委员会",
        "professional",
        "卫生健康局",
        ("medical",),
        venue="区卫生健康局三楼",
    )
    add(
        district,
        f"{district.name}道路交通事故损害赔偿纠纷调处中心",
        "centre",
        "公安分局",
        ("traffic_accident",),
        venue="交警大队事故处理中心",
    )
    add(
        district,
        f"{district.name}劳动人事争议调解中心",
        "centre",
        "人力资源和社会保障局",
        ("labour",),
        venue="区人社局一楼窗口",
        phone="0571-86001234",
    )
    add(
        district,
        f"{district.name}物业纠纷人民调解委员会",
        "industry",
        "住房和城乡建设局",
        ("property_construction",),
    )
    add(district, f"{district.name}人民调解委员会", "peoples_committee", "司法局")
    for street in Area.objects.filter(parent=district).defer("boundary").order_by("code"):
        office = Unit.objects.filter(area=street, kind="office").first()
        for name, kind, codes in (
            ("人民调解委员会", "peoples_committee", ()),
            ("平和司法室", "peace_justice_room", ("neighbour", "family")),
            ("警民联调室", "police_joint_room", ("neighbour", "economic")),
        ):
            mediation_organisation_add(
                actor=admin,
                area=street,
                name=f"{street.name}{name}",
                kind=kind,
                host_unit=office,
                categories=[categories[code] for code in codes],
                venue=f"{street.name}综治中心",
            )
            made += 1
    if community is not None and community.level == AreaLevel.COMMUNITY:
        add(
            community,
            f"{community.name}人民调解室",
            "peoples_room",
            venue=f"{community.name}党群服务中心",
        )
    return made


def demo_receptions_load(*, leader: Any, gridworker: Any) -> int:
    """Leaders' receptions (D24), once: the district leader's reception last week (one
    citizen heard, which opened a case the leader took; one did not come) and next week's,
    with two citizens booked. Returns the slots made."""
    from django.utils import timezone

    from disputes.models import BookingStatus, DisputeCategory, ReceptionBooking, ReceptionSlot
    from disputes.reception_services import (
        reception_book,
        reception_no_show,
        reception_receive,
        reception_slot_publish,
    )

    if ReceptionSlot.objects.filter(leader=leader).exists():
        return 0
    today = timezone.localdate()

    def at(days: int, hour: int) -> datetime.datetime:
        day = today + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    # Last week's is history: written as it stood (the service publishes future ones only).
    past = ReceptionSlot.objects.create(
        area=leader.home_area,
        leader=leader,
        starts_at=at(-6, 9),
        ends_at=at(
            -6,
            11,
        ),
        venue="区信访局一楼接待大厅",
        topic="征地拆迁专场",
        capacity=6,
        published_by=leader,
    )
    heard, absent = (
        ReceptionBooking.objects.create(
            slot=past,
            name=name,
            phone=phone,
            subject=subject,
            people_count=count,
            category=DisputeCategory.objects.get(code="property_construction"),
            booked_by=leader,
            status=BookingStatus.BOOKED,
        )
        for name, phone, subject, count in (
            ("周建华", "13857100011", "老旧小区改造中自家院墙被拆，补偿标准不明", 5),
            ("吴美玲", "13857100012", "安置房交付延期", 1),
        )
    )
    reception_receive(
        actor=leader,
        booking=heard,
        notes="当面听取五户居民诉求，责成街道与住建局核实补偿标准，十个工作日内答复。",
        open_case=True,
        grid=gridworker.home_area,
        title="老旧小区改造院墙拆除补偿争议",
    )
    reception_no_show(actor=leader, booking=absent)
    coming = reception_slot_publish(
        actor=leader,
        leader=leader,
        starts_at=at(7, 9),
        ends_at=at(7, 11),
        venue="区信访局一楼接待大厅",
        capacity=5,
    )
    for name, phone, subject in (
        ("郑晓东", "13857100021", "小区物业费上涨未经业主大会表决"),
        ("孙桂芳", "13857100022", "邻居加装电梯影响采光"),
    ):
        reception_book(actor=leader, slot=coming, name=name, phone=phone, subject=subject)
    return 2


def demo_meetings_load(*, office: Any, leader: Any, department: Any) -> int:
    """A meeting on disputes (D14), once: last week's regular meeting of the street office on
    its agenda (major, overdue and escalated cases), with two decisions: the district's
    司法局's, done, and the office's own, open and due in three days; and the special task
    group (D16) it set up on its gravest case, led by the 司法局, which reported to it."""
    from django.utils import timezone

    from disputes.meeting_selectors import meeting_agenda
    from disputes.meeting_services import meeting_decision_done, meeting_record
    from disputes.models import Meeting
    from grid.models import Unit

    street = office.home_area
    if Meeting.objects.filter(area=street).exists():
        return 0
    today = timezone.localdate()
    held_on = today - datetime.timedelta(days=6)
    agenda = list(meeting_agenda(user=office, area=street))
    own_office = Unit.objects.get(area=street, kind="office")
    meeting = meeting_record(
        actor=office,
        area=street,
        kind="meeting",
        held_on=held_on,
        title="矛盾纠纷排查调处工作例会",
        chair=leader if leader.home_area_id == street.pk else None,
        attendees="街道综治办、司法所、派出所、各社区综治主任；区司法局列席",
        minutes="通报本月排查情况，逐件研究重大、超期和上级督办的纠纷，明确化解责任和时限。",
        cases=agenda,
        decisions=[
            {
                "text": "区司法局派员参与土地权属纠纷的行政调解",
                "unit": department.unit,
                "case": agenda[0] if agenda else None,
                "deadline": held_on + datetime.timedelta(days=5),
            },
            {
                "text": "街道综治办对超期未受理的纠纷逐件约谈社区负责人",
                "unit": own_office,
                "deadline": today + datetime.timedelta(days=3),
            },
        ],
    )
    meeting_decision_done(
        actor=department,
        decision=meeting.decisions.get(unit=department.unit),
        note="已派两名工作人员参与现场调解，双方达成初步意向。",
    )
    # The meeting set up a special task group (D16) on its gravest case.
    if agenda and agenda[0].is_open:
        from disputes.case_services import case_group_report, case_task_group_set

        police = Unit.objects.filter(area=department.unit.area, name__endswith="公安分局").first()
        if police is not None:
            case_task_group_set(
                actor=leader, case=agenda[0], units=[department.unit, police], lead=department.unit
            )
            case_group_report(
                actor=department, case=agenda[0], report="法律援助律师已介入，正在梳理权属材料。"
            )
    return 1
