"""A new viewset over an area-bound model declares nothing central: the model's own
`rules_permissions` decide, through the default RulesPermission, with the object."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.test import APIRequestFactory, force_authenticate

from governance.api_base import ScopedQuerysetMixin
from grid.models import GridTeamMember


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = GridTeamMember
        fields = ["id", "name"]


class MemberViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = GridTeamMember.objects.all()
    serializer_class = MemberSerializer
    pagination_class = None


def call(user, action: str, method: str = "get", pk: int | None = None):
    view = MemberViewSet.as_view({method: action})
    request = getattr(APIRequestFactory(), method)("/members/")
    force_authenticate(request, user=user)
    user.is_verified = lambda: True  # what django-otp's middleware says after a second factor
    response = view(request, pk=pk) if pk else view(request)
    response.render()
    return response


def test_office_staff_read_their_street_but_may_not_delete(users, areas):
    member = GridTeamMember.objects.filter(grid=areas["grid_a"]).first()
    office = users["street_office"]
    response = call(office, "list")
    assert response.status_code == 200, response.data
    listed = {row["id"] for row in response.data}
    assert member.pk in listed
    assert all(
        GridTeamMember.objects.get(pk=pk).grid.path.startswith(areas["street_a"].path)
        for pk in listed
    )
    assert call(office, "retrieve", pk=member.pk).status_code == 200
    assert call(office, "destroy", "delete", pk=member.pk).status_code == 403
    assert GridTeamMember.objects.filter(pk=member.pk).exists()


def test_a_street_administrator_deletes_in_the_street_and_finds_nothing_outside(users, areas):
    admin = users["street_admin"]
    inside = GridTeamMember.objects.filter(grid=areas["grid_a"]).first()
    outside = GridTeamMember.objects.filter(grid=areas["grid_other_street"]).first()
    assert call(admin, "destroy", "delete", pk=outside.pk).status_code == 404
    assert call(admin, "destroy", "delete", pk=inside.pk).status_code == 204
    assert not GridTeamMember.objects.filter(pk=inside.pk).exists()
