"""Snippet routes: share a reply, review it, credit its author, search the library.

Who may do what: an agent shares and sees their own snippets (and edits them while they
wait for review); a lead of the same team reviews, edits and retires; nobody approves
their own snippet (one person drafts, another approves). An admin may act on any team.
A change made here is served by this process at once and by the other replicas at
their next poll of the store.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from ..core.library import near_duplicates, search_library
from ..core.pii import mask
from ..core.slotify import to_snippet
from ..core.snippets import SharedReply, Viewer, snippet_id
from ..core.text import reply_language
from ..settings import Settings
from ..store.feedback import Store
from .auth import Principal
from .deps import ERRORS, AgentDep, LeadDep, StoreDep, SuggesterDep, bounded
from .snippet_schemas import (
    AuthorsOut,
    DuplicatesOut,
    EditRequest,
    LibraryOut,
    ReviewRequest,
    SharedOut,
    ShareRequest,
    SnippetList,
    SnippetOut,
)

router = APIRouter(tags=["snippets"])
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: ERRORS[422] | {"description": "No such snippet (or not yours to see)"},
    409: ERRORS[422] | {"description": "Not possible in the snippet's status"},
}


def _out(snippet: Any, cls: type[SnippetOut] = SnippetOut, **extra: Any) -> Any:
    data = snippet.to_dict()
    data["replies"] = {lang: list(v) for lang, v in data["replies"].items()}
    data["triggers"] = list(data["triggers"])
    return cls(**data, suggestion_prefix=f"snippet-{snippet.id}/", **extra)


def _may_see(principal: Principal, snippet: Any) -> bool:
    if principal.role == "admin" or snippet.author == principal.name:
        return True
    return (
        principal.may("lead") and snippet.team == principal.team and (snippet.visibility == "team")
    )


def _may_review(principal: Principal, snippet: Any) -> None:
    if not (principal.role == "admin" or snippet.team == principal.team):
        raise HTTPException(404, f"no snippet {snippet.id}")
    if snippet.author == principal.name:
        raise HTTPException(403, "a snippet is reviewed by someone other than its author")


async def _get(store: Store, principal: Principal, number: int) -> Any:
    snippet = await bounded(store, lambda: store.snippets.get(number))
    if not _may_see(principal, snippet):
        raise HTTPException(404, f"no snippet {number}")  # not a hint that it exists
    return snippet


async def _served_now(request: Request, snippet: Any) -> None:
    """This replica serves the change at once; the others at their next poll."""
    service = request.app.state.service
    shared = SharedReply.from_mapping(snippet.to_dict())
    await anyio.to_thread.run_sync(service.apply_snippets, [shared])


def _triggers(body: ShareRequest) -> list[str]:
    """The customer messages the reply answered: given, or the last customer turns.
    They are the customer's words, so personal data in them is masked, not refused."""
    found = list(body.triggers)
    if not found:
        turns = [t.text for t in body.history if t.role == "customer"]
        found = ([body.message] if body.message else []) or turns[-1:]
    return [mask(t).strip() for t in found if t and t.strip()]


@router.post("/v1/snippets", status_code=201, response_model=SharedOut, responses=_RESPONSES)
async def share(
    body: ShareRequest, principal: AgentDep, store: StoreDep, request: Request
) -> SharedOut:
    """Share a reply: `team` snippets wait for a lead's review, `private` ones are
    suggested to their author at once. Personal data in the reply is refused (422)."""
    replaced: list[dict[str, str]] = []
    if body.text is not None:
        slotted = to_snippet(body.text, {k: v for k, v in body.customer.items() if v is not None})
        if slotted.personal:
            found = ", ".join(f"{p.kind} {p.masked}" for p in slotted.personal)
            raise HTTPException(
                422,
                f"the reply holds personal data ({found}): remove it, or write it as a "
                "{{slot}}, before sharing",
            )
        replies = {body.lang or reply_language(body.text): [slotted.text]}
        replaced = [{"slot": name, "text": text} for name, text in slotted.replaced]
    elif body.replies:
        replies = {lang: list(texts) for lang, texts in body.replies.items()}
    else:
        raise HTTPException(422, "send the reply as `text` (or `replies` per language)")
    triggers = _triggers(body)
    if not triggers:
        raise HTTPException(
            422, "send the customer message it answers (`message`, `history` or `triggers`)"
        )
    entry_id = body.entry_id
    if entry_id is None and body.suggestion_id:
        parent = body.suggestion_id.split("/")[0]
        entry_id = None if snippet_id(parent) is not None else parent
    snippet = await bounded(
        store,
        lambda: store.snippets.propose(
            author=principal.name,
            team=principal.team,
            visibility=body.visibility,
            replies=replies,
            triggers=triggers,
            entry_id=entry_id,
            title=body.title,
        ),
    )
    if snippet.status == "approved":
        await _served_now(request, snippet)
    return _out(snippet, SharedOut, replaced=replaced)


@router.get("/v1/snippets", response_model=SnippetList, responses=_RESPONSES)
async def list_snippets(
    principal: AgentDep,
    store: StoreDep,
    status: Annotated[str | None, Query(pattern="^(proposed|approved|rejected|retired)$")] = None,
    author: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SnippetList:
    """An agent's own snippets; a lead's team's (the review queue: `status=proposed`)."""
    team: str | None = principal.team
    if not principal.may("lead"):
        author = principal.name
    elif principal.role == "admin":
        team = None
    found = await bounded(
        store,
        lambda: store.snippets.list(
            status=status, team=team, author=author, limit=limit, offset=offset
        ),
    )
    visible = [s for s in found if _may_see(principal, s)]
    return SnippetList(snippets=[_out(s) for s in visible])


@router.get("/v1/snippets/authors", response_model=AuthorsOut, responses=_RESPONSES)
async def authors(principal: AgentDep, store: StoreDep) -> AuthorsOut:
    """Credit: per author, snippets approved and how often theirs were shown, inserted
    and sent. A lead sees the team; an agent their own line."""
    team = None if principal.role == "admin" else principal.team
    rows = await bounded(store, lambda: store.snippets.authors(team=team))
    if not principal.may("lead"):
        rows = [r for r in rows if r["author"] == principal.name]
    return AuthorsOut(authors=rows)


@router.get("/v1/snippets/{number}", response_model=SnippetOut, responses=_RESPONSES)
async def show(number: int, principal: AgentDep, store: StoreDep) -> SnippetOut:
    return _out(await _get(store, principal, number))


@router.patch("/v1/snippets/{number}", response_model=SnippetOut, responses=_RESPONSES)
async def edit(
    number: int, body: EditRequest, principal: AgentDep, store: StoreDep, request: Request
) -> SnippetOut:
    """The author edits while the snippet waits for review (a private one any time); a
    lead of the team edits before approving, or an approved one in place."""
    snippet = await _get(store, principal, number)
    own = snippet.author == principal.name
    if not (principal.may("lead") and not own) and not (
        own and (snippet.status == "proposed" or snippet.visibility == "private")
    ):
        raise HTTPException(403, "only a lead edits a snippet once it is reviewed")
    changed = await bounded(
        store,
        lambda: store.snippets.edit(
            number,
            principal.name,
            replies=body.replies,
            triggers=body.triggers,
            title=body.title,
            entry_id=body.entry_id,
        ),
    )
    if changed.status == "approved":
        await _served_now(request, changed)
    return _out(changed)


@router.post("/v1/snippets/{number}/approve", response_model=SnippetOut, responses=_RESPONSES)
async def approve(
    number: int,
    principal: LeadDep,
    store: StoreDep,
    request: Request,
    body: ReviewRequest | None = None,
) -> SnippetOut:
    """Approve: every replica suggests it to the team within seconds, no reindex."""
    snippet = await _get(store, principal, number)
    _may_review(principal, snippet)
    note = body.note if body else None
    done = await bounded(store, lambda: store.snippets.approve(number, principal.name, note))
    await _served_now(request, done)
    return _out(done)


@router.post("/v1/snippets/{number}/reject", response_model=SnippetOut, responses=_RESPONSES)
async def reject(
    number: int, body: ReviewRequest, principal: LeadDep, store: StoreDep
) -> SnippetOut:
    """Reject with a note the author sees."""
    if not body.note or not body.note.strip():
        raise HTTPException(422, "a rejection needs a `note` telling the author why")
    snippet = await _get(store, principal, number)
    _may_review(principal, snippet)
    note = body.note
    done = await bounded(store, lambda: store.snippets.reject(number, principal.name, note))
    return _out(done)


@router.post("/v1/snippets/{number}/retire", response_model=SnippetOut, responses=_RESPONSES)
async def retire(number: int, principal: AgentDep, store: StoreDep, request: Request) -> SnippetOut:
    """Stop suggesting an approved snippet (a lead; or the author of a private one)."""
    snippet = await _get(store, principal, number)
    own_private = snippet.author == principal.name and snippet.visibility == "private"
    if not own_private and not principal.may("lead"):
        raise HTTPException(403, "only a lead retires a team snippet")
    done = await bounded(store, lambda: store.snippets.retire(number, principal.name))
    await _served_now(request, done)
    return _out(done)


@router.get("/v1/snippets/{number}/similar", response_model=DuplicatesOut, responses=_RESPONSES)
async def similar(
    number: int, principal: AgentDep, store: StoreDep, suggester: SuggesterDep, request: Request
) -> DuplicatesOut:
    """What the library already has that this snippet may repeat (the review page shows
    it beside the snippet): situations whose customer messages are near its triggers,
    and wordings near its text."""
    snippet = await _get(store, principal, number)
    settings: Settings = request.app.state.settings
    situation, wording = settings.duplicate_situation, settings.duplicate_wording
    found = await anyio.to_thread.run_sync(
        lambda: near_duplicates(
            suggester.index,
            suggester.embedder,
            snippet.replies,
            snippet.triggers,
            situation=situation,
            wording=wording,
            skip=f"snippet-{number}",
        ),
        limiter=request.app.state.capacity,
    )
    return DuplicatesOut(
        duplicates=[d.__dict__ for d in found],
        situation=situation,
        wording=wording,
    )


@router.get("/v1/library", response_model=LibraryOut, responses=ERRORS, tags=["v1"])
async def library(
    principal: AgentDep,
    suggester: SuggesterDep,
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=300)],
    lang: Annotated[str | None, Query(pattern="^(en|fa)$")] = None,
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONResponse:
    """Search the replies by typing, by meaning and by words: playbook replies and the
    snippets this key may see. A result is used like a suggestion (its `id`)."""
    viewer = Viewer(principal.name, principal.team)
    found = await anyio.to_thread.run_sync(
        lambda: search_library(
            suggester.index, suggester.embedder, q, viewer=viewer, lang=lang, k=k
        ),
        limiter=request.app.state.capacity,
    )
    results = [
        {"id": f.id, **{k: v for k, v in f.__dict__.items() if k != "variant"}} for f in found
    ]
    return JSONResponse({"results": results})
