"""The events of accepted service orders become their teams' own events (issue 20).

Each is tied to the accepting team and to the order's station, so only the team and
the handling units see it; the places held by volunteers outside the team who did not
serve in it are given up (``events.Event.admits``).
"""

from django.db import migrations
from django.db.models import Q


def restrict_order_events(apps, schema_editor) -> None:
    Order = apps.get_model("orders", "Order")
    Event = apps.get_model("events", "Event")
    Signup = apps.get_model("events", "Signup")
    ServiceRecord = apps.get_model("events", "ServiceRecord")
    Team = apps.get_model("volunteers", "Team")
    orders = Order.objects.filter(event__isnull=False, team__isnull=False).values_list(
        "event_id", "team_id", "station_id"
    )
    for event_id, team_id, station_id in orders.iterator():
        Event.objects.filter(pk=event_id).update(team_id=team_id, served_unit_id=station_id)
        members = Team.members.through.objects.filter(team_id=team_id).values("volunteer")
        leader = Team.objects.filter(pk=team_id, leader__isnull=False).values("leader")
        served = ServiceRecord.objects.filter(event_id=event_id).values("volunteer")
        strangers = Signup.objects.filter(event_id=event_id, status__in=["confirmed", "waitlisted"]).exclude(
            Q(volunteer__in=members) | Q(volunteer__in=leader) | Q(volunteer__in=served)
        )
        strangers.update(status="cancelled")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_team_events"),
        ("orders", "0002_month_indexes"),
    ]

    operations = [migrations.RunPython(restrict_order_events, migrations.RunPython.noop)]
