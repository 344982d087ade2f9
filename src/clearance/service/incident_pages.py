"""Incident follow-up dashboard: how many exposed people were notified, are under review, were
released or removed, by status and outcome. Aggregates only: no page here names a person.

Included by ``create_app`` (``app.include_router(incident_pages.router)``); logged-in users with
a reviewer role or above (the people who answer for the response).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from clearance.actions.store.incident_tables import Incident
from clearance.service import pages

router = APIRouter(include_in_schema=False)
ROLES = ("reviewer", "approver-override", "admin")
STATUS_LABEL = {
    "to-notify": "to notify",
    "notified": "notified",
    "review-pending": "under review",
    "outcome": "outcome recorded",
    "closed": "closed",
}
OUTCOME_LABEL = {
    "released": "released",
    "relief-granted": "relief granted",
    "removal-paused": "removal paused",
    "reopened": "case reopened",
    "assistance-to-return": "assistance to return",
    "no-action": "no action",
}


@router.get("/incidents/followup")
def followup_dashboard(request: Request, incident: Annotated[int | None, Query(ge=1)] = None) -> Response:
    from clearance.incident import followup

    who = pages.user(request)
    if who.role.value not in ROLES:
        raise HTTPException(403, "the follow-up dashboard is for reviewers and admins")
    store = pages.gate_of(request).store
    with store.reading() as s:
        incidents = [
            (i.id, i.title, i.people)
            for i in s.scalars(select(Incident).order_by(Incident.id.desc()).limit(50))
        ]
    if incident is not None and incident not in {i for i, _, _ in incidents}:
        raise HTTPException(404, f"no incident {incident}")
    summary = followup.summary(store, incident, now=pages.gate_of(request).clock())
    return pages.render(
        request,
        "incident_followup.html",
        who,
        summary=summary,
        incidents=incidents,
        incident=incident,
        status_label=STATUS_LABEL,
        outcome_label=OUTCOME_LABEL,
    )
