from django.core.management.base import BaseCommand, CommandError

from accounts.roles import Role
from accounts.services import account_create_or_grant
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create a user with a role in a scope, or add the assignment when the user exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="required for a new user; resets it for an existing one")
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument("--scope", required=True,
                            help="region code (province/city/district), 000000 for the country, or an institution USCC")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--phone", default="")

    def handle(self, *args, **opts):
        try:
            user, assignment, created = account_create_or_grant(
                actor=None, username=opts["username"], password=opts["password"], role=opts["role"],
                scope=opts["scope"], display_name=opts["name"], phone=opts["phone"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} user {user.username}: {assignment.role} @ "
                                             f"{assignment.institution.uscc if assignment.institution_id else assignment.region_id or '000000'}"))
