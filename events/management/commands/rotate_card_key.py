from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from events import card_services, offline_codes
from events.models import CardKey


class Command(BaseCommand):
    help = (
        "Make the next generation of the key that signs volunteers' personal codes and printed cards "
        "(new codes are signed with it, older ones still verify), or with --retire N refuse the codes "
        "of generation N from now on: its printed cards must be issued again, and the command says how "
        "many. --list shows the generations and whether CARD_SIGNING_SECRET still derives each."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--retire", type=int, metavar="N", help="Retire generation N instead of making one.")
        parser.add_argument("--list", action="store_true", dest="show", help="List the generations, change nothing.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change, change nothing.")

    def handle(self, *args, retire: int | None = None, show: bool = False, dry_run: bool = False, **options) -> None:
        if show:
            self.list_keys()
        elif retire is not None:
            self.retire(retire, dry_run)
        elif dry_run:
            last = CardKey.objects.aggregate(last=Max("generation"))["last"] or 1
            self.stdout.write(f"Would make generation {last + 1} (dry run).")
        else:
            key = card_services.rotate_key()
            self.stdout.write(
                f"Made generation {key.generation}: new codes and cards are signed with it. "
                f"Generations in use: {self.in_use()}. Scanners get the new public key with their next download."
            )

    def retire(self, generation: int, dry_run: bool) -> None:
        if dry_run:
            cards = card_services.cards_signed_with(generation)
            self.stdout.write(f"Would retire generation {generation}: {cards} cards in use to issue again (dry run).")
            return
        try:
            cards = card_services.retire_key(generation)
        except card_services.CardError as error:
            raise CommandError(f"{error.code}: {error.detail}") from None
        self.stdout.write(
            f"Retired generation {generation}: its codes are refused from now on. {cards} cards in use were "
            f"signed with it: issue them again (admin, volunteer cards, filter by generation). "
            f"Generations in use: {self.in_use()}."
        )

    def in_use(self) -> str:
        return ", ".join(str(g) for g in sorted(offline_codes.active_public_keys())) or "none"

    def list_keys(self) -> None:
        for key in CardKey.objects.order_by("generation"):
            state = f"retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else "in use"
            derived = offline_codes.public_key_text(key.generation) == key.public_key
            self.stdout.write(
                f"generation {key.generation}: made {key.created_at:%Y-%m-%d %H:%M}, {state}, "
                f"{card_services.cards_signed_with(key.generation)} cards in use, "
                f"CARD_SIGNING_SECRET derives it: {'yes' if derived else 'NO: codes it signs fail'}"
            )
