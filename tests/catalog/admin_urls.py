"""Only the admin, with Django's own error handlers: the admin tests don't depend on the
site's error templates (written and tested with the pages)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
