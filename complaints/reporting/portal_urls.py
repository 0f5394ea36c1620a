"""The public transparency report (no sign-in), mounted by complaints/portal/urls.py."""

from django.urls import path

from .views import transparency

urlpatterns = [
    path("transparency/", transparency.transparency_page, name="transparency"),
    path("transparency/<str:quarter>/", transparency.transparency_page, name="transparency-quarter"),
]
