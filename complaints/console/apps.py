from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    """django.contrib.admin, with the console's site as the default `admin.site`."""

    default_site = "complaints.console.site.ConsoleSite"
