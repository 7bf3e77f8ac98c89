from django.urls import path

from leads import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("thanks", views.thanks, name="thanks"),
    path("healthz", views.healthz, name="healthz"),
    path("api/leads", api.leads, name="api-leads"),
    path("api/domains", api.domains, name="api-domains"),
]
