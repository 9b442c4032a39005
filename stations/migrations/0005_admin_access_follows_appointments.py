"""Admin access follows appointments (issue 21): every existing manager gets it.

Before, an admin had to tick 「admin site access」 by hand after appointing a manager, and a
manager appointed through the API could not log into the admin. Users with the access but
no appointment keep it here: nothing in the admin opens for them (every page a manager uses
asks for an appointment), and an admin may have given it on purpose together with model
permissions; it goes when such a user's last appointment is removed later.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef


def grant_admin_access(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    UnitManager = apps.get_model("stations", "UnitManager")
    User.objects.filter(is_staff=False, is_superuser=False).filter(
        Exists(UnitManager.objects.filter(user=OuterRef("pk")))
    ).update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_password_change_required"),
        ("stations", "0004_seal_checked_and_reencoded"),
    ]

    operations = [migrations.RunPython(grant_admin_access, migrations.RunPython.noop)]
