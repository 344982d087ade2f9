"""The clearance store: submissions keyed by the SHA-256 of their exact bytes, decisions, users
and the hash-chained audit log. ``Store.open(url)`` connects and migrates; ``Store.is_cleared``
is the serve-time check. The rules that change it live in ``clearance.actions.workflow``."""

from clearance.actions.store.db import DEFAULT_URL, upgrade
from clearance.actions.store.models import Action, Role, Status
from clearance.actions.store.repo import Store

__all__ = ["DEFAULT_URL", "Action", "Role", "Status", "Store", "upgrade"]
