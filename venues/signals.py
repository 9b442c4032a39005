from django.dispatch import Signal

# Sent with ``booking`` and ``change`` (a BookingChange) after a booking is made,
# decided or cancelled, inside the transaction; a cancellation also sends ``by``,
# so that receivers tell a manager's cancellation from the booker's own. Receivers
# that send messages queue them on commit.
booking_changed = Signal()
