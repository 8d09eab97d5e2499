from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api_base import RejectUnknownFieldsMixin
from governance.api_fields import JsonIntegerField
from governance.models import MAX_ID, Notification
from governance.selectors import notification_list
from governance.services import notification_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class MarkReadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    # Without `ids` every notice is marked read: a misspelt {"id": [...]} must not do that.
    ids = serializers.ListField(
        child=JsonIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
    )


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own notifications (督办, reminders, system notices)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset
    filterset_fields = ["kind"]

    def get_queryset(self):
        # Personal rows: a notice is only ever its recipient's, inside any area scope.
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return notification_list(user=self.request.user)

    @extend_schema(
        request=MarkReadSerializer,
        responses={
            200: inline_serializer("MarkReadResult", {"marked": serializers.IntegerField()})
        },
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notification_mark_read(
            actor=request.user, notification_ids=data.validated_data.get("ids")
        )
        return Response({"marked": marked})
