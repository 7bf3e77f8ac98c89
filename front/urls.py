from django.urls import path

from front import joiners, site_files, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("thanks", views.thanks, name="thanks"),
    path("resend", views.resend, name="resend"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", site_files.robots_txt, name="robots-txt"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("brand.css", site_files.accent_css, name="brand-css"),
    # The links in our mails (leads.links reverses confirm, manage and unsubscribe).
    path("confirm/<str:token>", joiners.confirm, name="confirm"),
    path("me/deleted", joiners.deleted, name="deleted"),
    path("me/<str:token>", joiners.manage, name="manage"),
    path("me/<str:token>/preview", joiners.manage_preview, name="manage-preview"),
    path("me/<str:token>/unsubscribe", joiners.manage_unsubscribe, name="manage-unsubscribe"),
    path("me/<str:token>/data.json", joiners.manage_data, name="manage-data"),
    path("me/<str:token>/delete", joiners.manage_delete, name="manage-delete"),
    path("unsubscribe/<str:token>", joiners.unsubscribe, name="unsubscribe"),
]
