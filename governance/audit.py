def mask_entirely(value: str) -> str:
    """Audit-log mask for identity numbers: hide all of it (auditlog's default keeps half)."""
    return "*" * len(str(value)) if value else value
