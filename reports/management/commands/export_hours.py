from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.bounded_fields import bounded_date_argument
from events.models import ServiceCategory
from reports.statistics import exports
from reports.statistics.hours import GROUP_KEYS, StatsError, hours_report, parse_group_by
from stations.models import PracticeUnit
from stations.scoping import Scope


class Command(BaseCommand):
    help = (
        "Write approved hour statistics to a CSV or XLSX file, the same as the API's export, "
        "for scheduled reports (e.g. monthly from cron). Changes no data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("output", help="File to write; .csv or .xlsx decides the format unless --format is given.")
        parser.add_argument(
            "--group-by", default="station", help=f"One or two of {', '.join(GROUP_KEYS)}, e.g. station,month."
        )
        parser.add_argument("--date-from", type=bounded_date_argument, help="First day (YYYY-MM-DD).")
        parser.add_argument("--date-to", type=bounded_date_argument, help="Last day, included.")
        parser.add_argument("--unit", help="Only volunteers registered under this unit (id or code).")
        parser.add_argument("--category", action="append", choices=ServiceCategory.values, help="Repeatable.")
        parser.add_argument("--format", choices=["csv", "xlsx"], help="Default: from the file name.")

    def handle(self, *args, output: str, **options) -> None:
        file_format = options["format"] or ("xlsx" if output.lower().endswith(".xlsx") else "csv")
        unit = None
        if options["unit"]:
            lookup = Q(code=options["unit"]) | (Q(pk=int(options["unit"])) if options["unit"].isdigit() else Q())
            unit = PracticeUnit.objects.filter(lookup).first()
            if unit is None:
                raise CommandError(f"No unit {options['unit']!r}.")
        try:
            # A scheduled report covers every unit, as an admin's export does.
            report = hours_report(
                Scope(),
                parse_group_by(options["group_by"]),
                date_from=options["date_from"],
                date_to=options["date_to"],
                unit=unit,
                categories=options["category"] or [],
                for_file=True,
            )
        except StatsError as error:
            raise CommandError(error.detail) from None
        if file_format == "xlsx":
            rows = exports.write_xlsx(report, output)
        else:
            rows = 0
            with open(output, "wb") as target:
                for chunk in exports.csv_chunks(report):
                    target.write(chunk)
                    rows += chunk.count(b"\n")
            rows -= 1  # the header line
        self.stdout.write(f"Wrote {output} ({file_format}, about {rows} rows).")
