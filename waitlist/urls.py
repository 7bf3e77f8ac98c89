from django.contrib.auth import views as auth_views
from django.urls import include, path

from leads import accounts

urlpatterns = [
    path("accounts/login/", accounts.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("leads.urls")),
]
