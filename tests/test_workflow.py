"""Workflow rules (pure) and the Gate that applies them (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from clearance.actions import audit
from clearance.actions.store.models import Action, Role, Status
from clearance.actions.workflow import Actor, CaseState, NotFound, Refused, decide, initial_status
from clearance.config.schema import Policy
from clearance.model import Verdict
from pg import (  # noqa: F401
    T0,
    fixture_pg_server,
    fixture_pg_store_server,
    fixture_pg_url,
    fixture_store_url,
    make_gate,
    with_people,
)

POLICY = Policy()
BOB = Actor("bob", Role.REVIEWER)
CAROL = Actor("carol", Role.REVIEWER)
OLGA = Actor("olga", Role.OVERRIDE)


def state(status: Status, verdict: Verdict = Verdict.REVIEW, categories=(), **kw) -> CaseState:
    return CaseState(status=status, verdict=verdict, submitter="alice", categories=tuple(categories), **kw)


# -- pure rules -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("verdict", "categories", "auto", "expected"),
    [
        (Verdict.PASS, (), True, Status.CLEARED),
        (Verdict.PASS, (), False, Status.PENDING),
        (Verdict.PASS, ("health",), True, Status.PENDING),  # special category: never automatic
        (Verdict.REVIEW, (), True, Status.PENDING),
        (Verdict.BLOCK, (), True, Status.BLOCKED),
        (Verdict.UNSCANNABLE, (), True, Status.BLOCKED),  # fail closed
    ],
)
def test_initial_status(verdict, categories, auto, expected) -> None:
    assert initial_status(verdict, categories, Policy(auto_clear_pass=auto)) is expected


def test_submitter_can_never_approve_their_own_file() -> None:
    alice_reviewer = Actor("alice", Role.REVIEWER)
    with pytest.raises(Refused, match="separation of duties"):
        decide(state(Status.PENDING), Action.APPROVE, alice_reviewer, "fine", POLICY)
    alice_override = Actor("alice", Role.OVERRIDE)
    with pytest.raises(Refused, match="separation of duties"):
        decide(state(Status.BLOCKED, Verdict.BLOCK), Action.OVERRIDE, alice_override, "fine", POLICY)


@pytest.mark.parametrize("reason", [None, "", "   \n"])
@pytest.mark.parametrize("action", list(Action))
def test_every_decision_needs_a_reason(action: Action, reason) -> None:
    with pytest.raises(Refused, match="reason is required"):
        decide(state(Status.BLOCKED, Verdict.BLOCK), action, OLGA, reason, POLICY)


def test_override_needs_the_override_role() -> None:
    blocked = state(Status.BLOCKED, Verdict.BLOCK)
    for who in (BOB, Actor("root", Role.ADMIN), Actor("pat", Role.PUBLISHER)):
        with pytest.raises(Refused, match="may not override"):
            decide(blocked, Action.OVERRIDE, who, "public record", POLICY)
    assert decide(blocked, Action.OVERRIDE, OLGA, "public record", POLICY) is Status.CLEARED


def test_approve_cannot_release_a_blocked_file() -> None:
    with pytest.raises(Refused, match="only an override"):
        decide(state(Status.BLOCKED, Verdict.BLOCK), Action.APPROVE, OLGA, "ok", POLICY)


def test_special_categories_need_two_distinct_approvers() -> None:
    s0 = state(Status.PENDING, categories=("health",))
    assert decide(s0, Action.APPROVE, BOB, "ok", POLICY) is Status.PENDING
    s1 = state(Status.PENDING, categories=("health",), approvals=frozenset({"bob"}))
    with pytest.raises(Refused, match="another person"):
        decide(s1, Action.APPROVE, BOB, "again", POLICY)
    assert decide(s1, Action.APPROVE, CAROL, "ok", POLICY) is Status.CLEARED
    assert decide(s0, Action.APPROVE, BOB, "ok", Policy(approvals_special_category=1)) is Status.CLEARED


def test_publishers_cannot_review_but_may_take_down_their_own_files() -> None:
    pat = Actor("pat", Role.PUBLISHER)
    with pytest.raises(Refused, match="may not approve"):
        decide(state(Status.PENDING), Action.APPROVE, pat, "ok", POLICY)
    with pytest.raises(Refused, match="their own files"):
        decide(state(Status.CLEARED), Action.REVOKE, pat, "not mine", POLICY)
    alice = Actor("alice", Role.PUBLISHER)
    assert decide(state(Status.CLEARED), Action.REVOKE, alice, "wrong file", POLICY) is Status.REVOKED


def test_disabled_users_can_do_nothing() -> None:
    with pytest.raises(Refused, match="disabled"):
        decide(
            state(Status.PENDING), Action.APPROVE, Actor("bob", Role.REVIEWER, disabled=True), "ok", POLICY
        )


# -- the gate, persisted --------------------------------------------------------------------------
def test_review_flow_with_self_approval_refused_and_audited(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    gate.add_user("rita", "reviewer", actor="root")
    sub = gate.submit(b"review\nsomething\n", "rita", scanner).submission
    assert sub.status is Status.PENDING and not gate.is_cleared(sub.sha256)
    with pytest.raises(Refused, match="separation of duties"):
        gate.approve(sub.id, "rita", "looks fine to me")
    assert gate.status(sub.id).decisions == ()  # the refused decision left no trace in the record...
    with gate.store.reading() as s:
        last = list(audit._entries(s))[-1]
        assert (last.actor, last.action, last.subject_sha256) == ("rita", "refused", sub.sha256)
        assert "separation of duties" in last.details  # ...but the attempt is in the audit log
    done = gate.approve(sub.id, "bob", "aggregate figures only")
    assert done.status is Status.CLEARED and gate.is_cleared(sub.sha256)
    assert [(d.actor, d.action) for d in done.decisions] == [("bob", "approve")]


def test_two_person_rule_for_special_categories(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"review\nspecial\n", "alice", scanner).submission
    assert sub.categories == ("asylum-immigration",) and sub.approvals_needed == 2
    one = gate.approve(sub.sha256, "bob", "checked the hidden sheet")
    assert one.status is Status.PENDING and one.approvals == ("bob",)
    assert not gate.is_cleared(sub.sha256)
    with pytest.raises(Refused, match="another person"):
        gate.approve(sub.sha256, "bob", "really fine")
    two = gate.approve(sub.sha256, "carol", "agree")
    assert two.status is Status.CLEARED and two.approvals == ("bob", "carol")
    assert gate.is_cleared(sub.sha256)


def test_override_releases_blocked_files_only_with_role_and_reason(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"block\nnames\n", "alice", scanner).submission
    assert sub.status is Status.BLOCKED
    with pytest.raises(Refused, match="may not override"):
        gate.override(sub.id, "root", "I am the admin")
    with pytest.raises(Refused, match="reason is required"):
        gate.override(sub.id, "olga", "  ")
    with pytest.raises(Refused, match="only an override"):
        gate.approve(sub.id, "bob", "fine")
    assert not gate.is_cleared(sub.sha256)
    done = gate.override(sub.id, "olga", "names are of ministers, published in the gazette")
    assert done.status is Status.CLEARED and gate.is_cleared(sub.sha256)
    assert done.decisions[-1].reason == "names are of ministers, published in the gazette"


def test_unscannable_is_blocked_and_special_blocked_needs_two_overrides(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    bad = gate.submit(b"unscannable\n", "alice", scanner).submission
    assert bad.status is Status.BLOCKED
    special = gate.submit(b"block\nspecial\n", "alice", scanner).submission
    assert gate.override(special.id, "olga", "consent on file").status is Status.BLOCKED
    assert gate.override(special.id, "oscar", "consent checked").status is Status.CLEARED


def test_revoke_takes_a_file_down(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"pass\nfine\n", "alice", scanner).submission
    assert gate.is_cleared(sub.sha256)
    with pytest.raises(Refused, match="reason is required"):
        gate.revoke(sub.sha256, "bob", "")
    gone = gate.revoke(sub.sha256, "bob", "complaint from a data subject")
    assert gone.status is Status.REVOKED and not gate.is_cleared(sub.sha256)
    with pytest.raises(Refused, match="already revoked"):
        gate.revoke(sub.sha256, "bob", "again")
    with pytest.raises(Refused, match="cannot approve"):
        gate.approve(sub.sha256, "carol", "bring it back")
    again = gate.submit(b"pass\nfine\n", "alice", scanner)  # same bytes: the takedown sticks
    assert not again.created and again.submission.status is Status.REVOKED


def test_reject_is_final_for_those_bytes(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"review\nx\n", "alice", scanner).submission
    assert gate.reject(sub.id, "bob", "names in the footnotes").status is Status.REJECTED
    with pytest.raises(Refused, match="cannot approve a file that is rejected"):
        gate.approve(sub.id, "carol", "ok")


def test_expired_clearance_needs_approving_again(store_url: str) -> None:
    gate, scanner, clock = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"review\nx\n", "alice", scanner).submission
    until = T0 + dt.timedelta(days=7)
    assert gate.approve(sub.id, "bob", "ok for a week", expires_at=until).expires_at == until
    clock.advance(days=8)
    assert gate.status(sub.id).status is Status.EXPIRED and not gate.is_cleared(sub.sha256)
    with pytest.raises(Refused, match="in the past"):
        gate.approve(sub.id, "bob", "renew", expires_at=until)
    renewed = gate.approve(sub.id, "bob", "renewed")  # approvals before expiry do not count again
    assert renewed.status is Status.CLEARED and renewed.expires_at is None and gate.is_cleared(sub.sha256)


def test_expired_override_needs_an_override_again(store_url: str) -> None:
    gate, scanner, clock = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"block\nx\n", "alice", scanner).submission
    gate.override(sub.id, "olga", "public", expires_at=T0 + dt.timedelta(days=1))
    clock.advance(days=2)
    with pytest.raises(Refused, match="only an override"):
        gate.approve(sub.id, "bob", "renew")
    assert gate.override(sub.id, "olga", "still public").status is Status.CLEARED


def test_policy_can_send_passing_files_to_review(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url, auto_clear_pass=False)
    with_people(gate)
    assert gate.submit(b"pass\nx\n", "alice", scanner).submission.status is Status.PENDING


def test_unknown_users_and_files_are_refused(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    with pytest.raises(NotFound):
        gate.submit(b"pass\n", "mallory", scanner)
    sub = gate.submit(b"review\n", "alice", scanner).submission
    with pytest.raises(NotFound):
        gate.approve(sub.id, "mallory", "ok")
    with pytest.raises(NotFound):
        gate.approve(sub.id + 100, "bob", "ok")
    assert gate.status(sub.id).status is Status.PENDING


def test_only_admins_manage_users_once_one_exists(store_url: str) -> None:
    gate, _, _ = make_gate(store_url)
    gate.add_user("first", "admin")  # bootstrap: no admin yet
    with pytest.raises(Refused, match="only an admin"):
        gate.add_user("eve", "approver-override")
    gate.add_user("pat", "publisher", actor="first")
    with pytest.raises(Refused, match="only an admin"):
        gate.add_user("eve", "approver-override", actor="pat")
    with pytest.raises(Refused, match="unknown role"):
        gate.add_user("eve", "superuser", actor="first")
    assert [(u.name, u.role) for u in gate.users()] == [("first", Role.ADMIN), ("pat", Role.PUBLISHER)]


def test_submit_from_a_path_records_the_bytes_scanned(store_url: str, tmp_path) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    f = tmp_path / "report.csv"
    f.write_bytes(b"review\na,b\n1,2\n")
    sub = gate.submit(f, "alice", scanner).submission
    assert sub.filename == "report.csv" and sub.size == f.stat().st_size
    assert scanner.scanned == [sub.sha256]
    with pytest.raises(NotFound):
        gate.submit(tmp_path / "missing.csv", "alice", scanner)


def test_scans_with_revealed_values_are_not_recorded(store_url: str) -> None:
    import dataclasses

    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    revealing = dataclasses.replace(
        scanner.config, scan=scanner.config.scan.model_copy(update={"reveal": True})
    )
    scanner.config = revealing
    with pytest.raises(Refused, match="reveal"):
        gate.submit(b"block\n", "alice", scanner)
