"""Commands that open a screen: capture an interview, review the map, run a workshop,
serve the review to a browser (the bare `journey` opens the home screen: see base)."""

from __future__ import annotations

from typing import Annotated

import typer

from journey.tui.cli.base import (
    CaptureMode,
    SegmentOption,
    SinceOption,
    StudyOption,
    app,
    open_db,
    run_app,
    say,
    settings_of,
)


@app.command()
def capture(
    ctx: typer.Context,
    study: StudyOption = None,
    participant: Annotated[
        str | None,
        typer.Option(
            help="Participant code, e.g. P07; resumes their interview in progress. "
            "Without it, a short new-interview form comes first."
        ),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="The participant's segment.")] = None,
    interviewer: Annotated[
        str | None, typer.Option(help="Who is interviewing (default: your login name).")
    ] = None,
    mode: Annotated[
        CaptureMode,
        typer.Option(help="interview (you type) or survey (the participant types)."),
    ] = CaptureMode.interview,
    consent: Annotated[
        bool, typer.Option("--consent", help="Record that the participant gave consent, now.")
    ] = False,
) -> None:
    """Start or resume an interview and capture it stage by stage."""
    from journey.capture.study import login_name, study_to_capture
    from journey.tui.app import CaptureRequest, make_app

    with open_db(ctx) as db:
        chosen = study_to_capture(db, study, participant)
    request = CaptureRequest(
        study_id=chosen.id if chosen else None,
        participant=participant,
        segment=segment,
        interviewer=interviewer if interviewer is not None else login_name() or None,
        mode=mode.value,
        consent=consent,
    )
    run_app(make_app(settings_of(ctx).db, capture=request))


@app.command()
def review(
    ctx: typer.Context,
    study: StudyOption = None,
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Open the database read-only (automatic when the file "
            "is not writable): nothing can write.",
        ),
    ] = False,
    segment: SegmentOption = None,
    interviewer: Annotated[
        str | None, typer.Option(help="Only this interviewer's sessions.")
    ] = None,
    since: SinceOption = None,
) -> None:
    """The live journey map of a study and its stage timeline (follows other writers)."""
    import os

    from journey.capture.filters import parse_moment
    from journey.storage.browse import check_filter
    from journey.storage.session_filter import SessionFilter
    from journey.storage.studies import resolve_study
    from journey.tui.app import ReviewRequest, make_app

    since_day = parse_moment(since, "--since")
    path = settings_of(ctx).db
    read_only = read_only or (path.exists() and not os.access(path, os.W_OK))
    # An explicit --read-only never writes, not even a schema upgrade.
    where = SessionFilter(segment=segment, interviewer=interviewer, since=since_day)
    with open_db(ctx, read_only=read_only, upgrade=not read_only) as db:
        chosen = resolve_study(db, study)
        check_filter(db, [chosen.id], where)
    request = ReviewRequest(chosen.id, where)
    run_app(make_app(path, review=request, read_only=read_only))


@app.command()
def workshop(
    ctx: typer.Context,
    study: StudyOption = None,
    facilitator: Annotated[
        str | None, typer.Option(help="Who runs the workshop (default: your login name).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="A name for this workshop.")] = None,
    new: Annotated[
        bool,
        typer.Option(
            "--new", help="Start a new workshop even if this facilitator has one in progress."
        ),
    ] = False,
) -> None:
    """Run a workshop on the live map: add stickies, dot-vote, group, link, timebox.

    Without --new it carries on the facilitator's workshop in progress on the study
    (of that --title, when given), so a dropped connection loses nothing."""
    from journey.capture.study import login_name
    from journey.storage.studies import resolve_study
    from journey.tui.app import WorkshopRequest, make_app

    with open_db(ctx) as db:
        chosen = resolve_study(db, study)
    request = WorkshopRequest(
        chosen.id,
        facilitator=facilitator if facilitator is not None else login_name() or None,
        title=title,
        new=new,
    )
    run_app(make_app(settings_of(ctx).db, workshop=request))


@app.command()
def serve(
    ctx: typer.Context,
    study: StudyOption = None,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The port to listen on.", show_default=True)
    ] = 8000,
    host: Annotated[
        str,
        typer.Option(
            help="The address to listen on. Another than this machine's own (127.0.0.1) "
            "needs --public.",
            show_default=True,
        ),
    ] = "127.0.0.1",
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Allow --host to be an address others can reach: anyone who reaches the "
            "port sees the study (there is no login).",
        ),
    ] = False,
) -> None:
    """The read-only review in a web browser (textual-serve), on 127.0.0.1 by default.

    From a laptop: ssh -L 8000:localhost:8000 server, then open http://localhost:8000."""
    from journey.storage.studies import resolve_study
    from journey.tui.serve import is_loopback, public_url, serve_review

    if not (public or is_loopback(host)):
        raise typer.BadParameter(
            f"{host!r} can be reached from other machines: add --public to serve the "
            "study to anyone who reaches the port",
            param_hint="--host",
        )
    path = settings_of(ctx).db
    with open_db(ctx, read_only=True, upgrade=False) as db:
        chosen = resolve_study(db, study)
    if not is_loopback(host):
        say(
            f"journey: warning: serving on {host}:{port}: anyone who can reach this port "
            f"sees the study {chosen.name!r} (read-only; there is no login)",
            err=True,
        )
    say(f"Serving the read-only review of {chosen.name!r} on {public_url(host, port)}", err=True)
    serve_review(path, chosen.name, host, port)
