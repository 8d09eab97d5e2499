from celery import shared_task

from grid.services import area_tree_check_and_notify


@shared_task
def check_area_tree() -> int:
    """Nightly: verify the area tree and notify administrators of any problem."""
    return area_tree_check_and_notify()
