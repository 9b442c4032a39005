"""Django's own messages that people meet on our pages and in the admin, named here so that
makemessages keeps them in our catalog, which LOCALE_PATHS puts before Django's.

Django's Chinese addresses the reader as 你 (「你的旧密码不正确。请重新输入。」); a government
service says 您, as the rest of the platform does. Our catalog words them so. Nothing imports
this module: makemessages reads it.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django.contrib.auth: the password change form and the password validators' help and errors.
AUTH = [
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Your password was changed."),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new password twice so we can "
        "verify you typed it in correctly."
    ),
    gettext_noop("Please enter your new password twice so we can verify you typed it in correctly."),
]
MINIMUM_LENGTH = ngettext_lazy(
    "Your password must contain at least %(min_length)d character.",
    "Your password must contain at least %(min_length)d characters.",
    "min_length",
)

# django.contrib.admin: what a manager reads after saving or before deleting.
ADMIN = [
    gettext_noop("Are you sure?"),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("You don’t have permission to view or edit anything."),
    gettext_noop("First, enter a username and password. Then, you’ll be able to edit more user options."),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related objects, but your "
        "account doesn't have permission to delete the following types of objects:"
    ),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of the following related '
        "items will be deleted:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, but your account "
        "doesn't have permission to delete the following types of objects:"
    ),
]

# django.contrib.admin: labels only screen readers hear (the index's and the sidebar's tables) and the
# page title's prefix after a mistake; Django's Chinese catalog has none of them.
ADMIN_UNTRANSLATED = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
]
