from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.bounded_fields import use_bounded_dates_in_model_serializers

        use_bounded_dates_in_model_serializers()
