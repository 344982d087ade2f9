"""`clearance submit / approve / reject / override / revoke / status / audit / users` end to end,
with the real scanner, through ``main(args, env)``."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from clearance.actions import audit
from clearance.cli.env import Environment
from clearance.cli.main import main

CLEAN = b"Quarterly totals: 42 applications received, 17 decided.\n"
PEOPLE = (
    b"name,date_of_birth,nationality\n"
    b"John Smith,1980-01-02,Ireland\nAna Gomez,1977-03-04,Spain\nPeter Jones,1990-05-06,Wales\n"
)


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.cwd = tmp_path
        self.db = tmp_path / "gate.db"

    def __call__(self, *args: str) -> tuple[int, str, str]:
        out, err = io.BytesIO(), io.StringIO()
        env = Environment(
            stdout=out,
            stderr=err,
            vars={"CLEARANCE_DB": f"sqlite:///{self.db}"},
            cwd=self.cwd,
            stdout_isatty=False,
            stderr_isatty=False,
        )
        code = main(list(args), env)
        return code, out.getvalue().decode("utf-8"), err.getvalue()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    run = Cli(tmp_path)
    assert run("users", "add", "root", "--role", "admin")[0] == 0
    for name, role in [("alice", "publisher"), ("bob", "reviewer"), ("olga", "approver-override")]:
        assert run("users", "add", name, "--role", role, "--as", "root")[0] == 0
    (tmp_path / "clean.txt").write_bytes(CLEAN)
    (tmp_path / "people.csv").write_bytes(PEOPLE)
    return run


def test_round_trip(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("submit", "clean.txt", "--as", "alice", "--format", "json")
    clean = json.loads(out)
    assert (code, clean["verdict"], clean["status"], clean["cleared"]) == (0, "pass", "cleared", True)
    assert cli("status", "--file", "clean.txt")[0] == 0

    code, out, _ = cli("submit", "people.csv", "--as", "alice", "--format", "json")
    blocked = json.loads(out)
    assert (code, blocked["verdict"], blocked["status"]) == (1, "block", "blocked")
    assert blocked["people"] == 3 and "John Smith" not in out
    ref = str(blocked["id"])

    code, _, err = cli("approve", ref, "--as", "bob", "--reason", "looks fine")
    assert code == 1 and "only an override" in err
    code, _, err = cli("override", ref, "--as", "alice", "--reason", "mine")
    assert code == 1 and "may not override" in err
    code, _, err = cli("override", ref, "--as", "olga", "--reason", " ")
    assert code == 1 and "reason is required" in err
    assert cli("status", blocked["sha256"])[0] == 1
    code, out, _ = cli("override", ref, "--as", "olga", "--reason", "published register of officials")
    assert code == 0 and "cleared" in out
    code, out, _ = cli("status", blocked["sha256"][:10])
    assert code == 0 and "olga override: published register of officials" in out

    (tmp_path / "clean.txt").write_bytes(CLEAN.replace(b"42", b"43"))  # one byte changed
    code, _, err = cli("status", "--file", "clean.txt")
    assert code == 1 and "no submission" in err

    code, out, _ = cli("revoke", clean["sha256"], "--as", "bob", "--reason", "wrong figures")
    assert code == 0 and "revoked" in out
    assert cli("status", clean["sha256"])[0] == 1

    code, out, _ = cli("status")
    assert code == 0 and "revoked" in out and "people.csv" in out

    code, out, _ = cli("audit", "verify")
    # 4 users, 2 submits, 3 refusals, 1 override, 1 revoke
    assert code == 0 and "audit log intact: 11 entries" in out
    code, _, err = cli("audit", "export", "-o", "audit.jsonl")
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert code == 0 and "exported" in err
    actions = [json.loads(line)["action"] for line in lines]
    assert actions.count("refused") == 3 and actions[-1] == "revoke"
    assert audit.verify_jsonl(lines).ok


def test_audit_verify_fails_after_tampering(cli: Cli) -> None:
    assert cli("submit", "clean.txt", "--as", "alice")[0] == 0
    with sqlite3.connect(cli.db) as conn:
        conn.execute("UPDATE audit_log SET actor = 'bob' WHERE action = 'submit'")
    code, out, _ = cli("audit", "verify", "--format", "json")
    result = json.loads(out)
    assert code == 1 and result["ok"] is False and result["first_bad_seq"] == 5


def test_self_override_and_reject_from_the_cli(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("submit", "people.csv", "--as", "olga", "--format", "json")
    ref = str(json.loads(out)["id"])
    code, _, err = cli("override", ref, "--as", "olga", "--reason", "my own file is fine")
    assert code == 1 and "separation of duties" in err
    code, out, _ = cli("reject", ref, "--as", "bob", "--reason", "roster of detainees", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "rejected"
    code, _, err = cli("approve", ref, "--as", "bob", "--reason", "changed my mind")
    assert code == 1 and "cannot approve a file that is rejected" in err


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("approve", "1", "--reason", "no actor")[0] == 2
    assert cli("override", "1", "--as", "olga")[0] == 2  # --reason is required
    assert cli("users", "add", "eve", "--role", "superuser")[0] == 2
    assert cli("submit", "missing.csv", "--as", "alice")[0] == 2
    assert cli("status", "--db", "nosuchdb://x")[0] == 2
    assert cli("approve", "1", "--as", "bob", "--reason", "x", "--expires", "soon")[0] == 2


def test_only_admins_add_users_and_unknown_actors_are_refused(cli: Cli) -> None:
    code, _, err = cli("users", "add", "eve", "--role", "approver-override", "--as", "alice")
    assert code == 1 and "only an admin" in err
    code, _, err = cli("submit", "clean.txt", "--as", "mallory")
    assert code == 1 and "no user named 'mallory'" in err
    code, out, _ = cli("users", "list", "--format", "json")
    assert [u["name"] for u in json.loads(out)] == ["alice", "bob", "olga", "root"]
