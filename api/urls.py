from django.urls import path

from api import views

urlpatterns = [
    path("leads", views.leads, name="api-leads"),
    path("domains", views.domains, name="api-domains"),
    path("daily", views.daily, name="api-daily"),
    path("openapi.json", views.openapi_document, name="api-openapi"),
]
