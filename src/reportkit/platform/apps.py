from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "reportkit.platform"
    label = "platform"
    verbose_name = "年度报告填报平台"
    default_auto_field = "django.db.models.BigAutoField"
