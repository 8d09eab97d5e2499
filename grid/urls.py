from django.urls import path

from grid import views

app_name = "areas"

urlpatterns = [
    path("", views.area_tree, name="tree"),
    path("map/", views.area_map, name="map"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("<int:pk>/children/", views.area_children, name="children"),
]
