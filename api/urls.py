from django.urls import path

from api import views

urlpatterns = [
    path("leads", views.leads, name="api-leads"),
    path("domains", views.domains, name="api-domains"),
    path("daily", views.daily, name="api-daily"),
    path("line", views.line, name="api-line"),
    path("invites", views.invite_next, name="api-invites"),
    path("invites/redeem", views.redeem, name="api-redeem"),
    path("openapi.json", views.openapi_document, name="api-openapi"),
]
