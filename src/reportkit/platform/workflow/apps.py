from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "reportkit.platform.workflow"
    label = "workflow"
    verbose_name = "审核与发布"
    default_auto_field = "django.db.models.BigAutoField"
