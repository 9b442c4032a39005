from django.apps import AppConfig
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Service orders")

    def ready(self) -> None:
        # However a team's leader is changed (admin, API, pages), its running orders follow.
        from orders import account_closing, services
        from volunteers.models import Team
        from volunteers.signals import account_closing as closing

        pre_save.connect(services.before_team_saved, sender=Team, dispatch_uid="orders-before-team-saved")
        post_save.connect(services.team_saved, sender=Team, dispatch_uid="orders-team-saved")
        # A closing account's orders lose the resident's address, phone and photo.
        closing.connect(account_closing.erase_resident, dispatch_uid="orders-erase-resident")
