from django.urls import path

from front import site_files, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("thanks", views.thanks, name="thanks"),
    path("resend", views.resend, name="resend"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", site_files.robots_txt, name="robots-txt"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("brand.css", site_files.accent_css, name="brand-css"),
]
