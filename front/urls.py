from django.urls import path

from front import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("thanks", views.thanks, name="thanks"),
    path("healthz", views.healthz, name="healthz"),
]
