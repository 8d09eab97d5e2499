"""Code lists the portal ships with; the data migration loads them, and they stay editable."""

# "一格多元": the roles of a grid team.
DEFAULT_TEAM_ROLES = [
    ("grid_manager", "网格长", 10),
    ("grid_worker", "专职网格员", 20),
    ("community_police", "社区民警", 30),
    ("assistant", "网格协管员", 40),
    ("supervisor", "网格督导员", 50),
    ("volunteer", "网格志愿者", 60),
]
