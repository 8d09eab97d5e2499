from rest_framework.routers import DefaultRouter

from governance.api import NotificationViewSet
from grid.api import AreaViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
