"""From a failed workflow run to its analysis: pick the failed job, fetch its log and a green baseline.

The baseline is the same job in the last successful run of the same workflow on the same branch. A log that
cannot be had (expired, 404/410, log storage unreachable or refusing) is a degradation, not an outage: the
failure is explained from what the API still gives (the check run's annotations and output, the job's step
names and conclusions), and the explanation says so. Both logs are streamed to temporary files and read
from there by the same streaming code as `agent signature FILE`.

The baseline changes only the excerpt (the signature and category come from the failed log alone), so a cycle
explains a failure without it and adds it (`with_baseline`) only when a rule is about to act: a failure that is
part of a storm, blocked by its breaker or already in flight costs no green-run search, jobs and log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from cicd_agent.analysis import Analysis, ExcerptLine, analyze
from cicd_agent.analysis.logtext import Prefilter
from cicd_agent.analysis.signature import signature
from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.errors import ApiUnavailable, LogUnavailable
from cicd_agent.github.values import CheckRunNotes, Job, WorkflowRun


@dataclass(frozen=True)
class Explained:
    run: WorkflowRun
    job: Job | None
    analysis: Analysis
    baseline_run: int | None
    log_missing: bool = False
    log_note: str = ""  # why the log was missing, when it was
    fixer_lines: str = ""  # the log's lines fixers read (`lines_for_fixers`), bounded whatever the log's size
    # explained without its baseline: the failed log, kept open for `with_baseline` (`release` closes it)
    log: BinaryIO | None = field(default=None, compare=False, repr=False)


def failed_job(jobs: list[Job]) -> Job | None:
    failed = [j for j in jobs if j.conclusion in ("failure", "timed_out", "cancelled")]
    return failed[0] if failed else None


def failed_step_name(job: Job) -> str | None:
    for name, conclusion in job.steps:
        if conclusion in ("failure", "cancelled", "timed_out"):
            return name
    return None


def baseline_log(gh: GitHubClient, run: WorkflowRun, job_name: str) -> tuple[int, BinaryIO] | None:
    """(run id, log file) of the same job in the newest green run of this workflow on this branch, if any;
    the caller closes the file."""
    for candidate in gh.workflow_runs(run.repo, status="success", branch=run.branch, limit=20):
        if candidate.workflow_id != run.workflow_id or candidate.id == run.id:
            continue
        for job in gh.jobs(run.repo, candidate.id):
            if job.name == job_name and job.conclusion == "success":
                try:
                    log = gh.job_log(run.repo, job.id)
                except LogUnavailable:
                    return None
                if log is not None:
                    return candidate.id, log
        return None
    return None


def explain_run(gh: GitHubClient, run: WorkflowRun, *, max_lines: int = 60, baseline: bool = True) -> Explained:
    """The run as listed (a poll, a webhook) is explained as it is: it is not fetched again. Without `baseline`,
    the failed log stays open in the result for `with_baseline`; the caller then `release`s it."""
    repo, run_id = run.repo, run.id
    if run.status != "completed":
        raise AgentError(f"run {run_id} of {repo} is still {run.status}", fix="wait until it completes")
    job = failed_job(gh.jobs(repo, run_id))
    if job is None:
        raise AgentError(f"run {run_id} of {repo} has no failed job (conclusion: {run.conclusion})")
    try:
        log = gh.job_log(repo, job.id)
        why = "GitHub no longer has it (expired or deleted)"
    except LogUnavailable as exc:
        log, why = None, exc.what
    if log is None:
        analysis = degraded_analysis(run, job, check_run_notes(gh, repo, job), why)
        return Explained(run, job, analysis, None, log_missing=True, log_note=why)
    if not baseline:
        try:
            analysis = analyze(log, None, max_lines=max_lines)
            for_fixers = lines_for_fixers(log)
            if not analysis.failed:
                log.close()
                return Explained(run, job, silent(gh, run, job), None, fixer_lines=for_fixers)
        except BaseException:
            log.close()
            raise
        return Explained(run, job, step_named(analysis, job), None, fixer_lines=for_fixers, log=log)
    with ExitStack() as files:
        files.enter_context(log)
        green = baseline_log(gh, run, job.name)
        if green is not None:
            files.enter_context(green[1])
        analysis = analyze(log, green[1] if green else None, max_lines=max_lines)
        for_fixers = lines_for_fixers(log)
    analysis = step_named(analysis, job) if analysis.failed else silent(gh, run, job)
    return Explained(run, job, analysis, green[0] if green else None, fixer_lines=for_fixers)


def with_baseline(gh: GitHubClient, explained: Explained, *, max_lines: int = 60) -> Explained:
    """An explanation made without its baseline, now with it (the excerpt leaves out what a green run of the same
    job prints too); the failed log is read again from its kept file, not downloaded again. Closes that file."""
    log, job = explained.log, explained.job
    if log is None or job is None:
        return explained
    with ExitStack() as files:
        files.enter_context(log)
        green = baseline_log(gh, explained.run, job.name)
        if green is None:
            return replace(explained, log=None)
        files.enter_context(green[1])
        log.seek(0)
        analysis = analyze(log, green[1], max_lines=max_lines)
    return replace(explained, analysis=step_named(analysis, job), baseline_run=green[0], log=None)


def release(explained: Explained | None) -> None:
    """Close the failed log an explanation without its baseline kept open (nothing when there is none)."""
    if explained is not None and explained.log is not None:
        explained.log.close()


def silent(gh: GitHubClient, run: WorkflowRun, job: Job) -> Analysis:
    """The job failed, yet its log says nothing of it: what the API knows."""
    notes = check_run_notes(gh, run.repo, job)
    return step_named(degraded_analysis(run, job, notes, "it shows no failure", silent_log=True), job)


def step_named(analysis: Analysis, job: Job) -> Analysis:
    """The API's name of the failed step beats the log's group header."""
    step = failed_step_name(job)
    return replace(analysis, failing_step=step) if analysis.failed and step else analysis


# What fixers read beyond the excerpt: the steps' commands (`##[group]Run ...`: what the job installs), missing
# modules and the frames that imported them, the files a formatter names, deprecation and workflow-command
# warnings, the time limit hit, pre-commit hook results.
_FOR_FIXERS = re.compile(
    rb"##\[group\]Run |No module named|\.py\", line \d|\.py:\d+: in |[Ww]ould reformat|reformatted |"
    rb"would be reformatted|--> \S+:\d+:\d+|\[warn\] |deprecat|set-output|save-state|set-env|add-path|"
    rb"maximum execution time|hook id:|Failed\s*$|Node\.js \d"
)
MAX_FIXER_LINES = 5_000
MAX_FIXER_LINE = 2_000


PIECE = 1024 * 1024  # bytes read at a time: a line longer than that is never held whole
# a literal each marker above contains (tests/remediation/test_fixer_lines.py holds it): all found at once in each
# piece (logtext.Prefilter), so only the lines holding one are tried with `_FOR_FIXERS`
_LITERALS = (
    b"##[group]Run ",
    b"No module named",
    b'.py", line ',
    b".py:",
    b"ould reformat",
    b"reformatted",
    b"--> ",
    b"[warn] ",
    b"deprecat",
    b"set-output",
    b"save-state",
    b"set-env",
    b"add-path",
    b"maximum execution time",
    b"hook id:",
    b"Failed",
    b"Node.js ",
)
_HOLDING_A_LITERAL = Prefilter(tuple(literal.decode() for literal in _LITERALS))


def lines_for_fixers(log: BinaryIO) -> str:
    """The lines of a job log (an open file, read again from its start) that fixers read: a few thousand lines
    at most, each cut to its first 2,000 bytes (a marker counts within them). One more pass over the file in
    1 MiB pieces, searched in C; no line is held whole, however long (a 200 MB line neither)."""
    log.seek(0)
    kept: list[str] = []

    def keep(head: bytes) -> bool:
        """Keep a line's head when it carries a marker; False once there are enough."""
        if _FOR_FIXERS.search(head):
            kept.append(head.decode("utf-8", "replace").rstrip("\r\n"))
        return len(kept) < MAX_FIXER_LINES

    pending = b""  # the head of a line that runs on past the piece read (at most MAX_FIXER_LINE bytes)
    while piece := log.read(PIECE):
        end = piece.find(b"\n")
        if end < 0:
            pending += piece[: MAX_FIXER_LINE - len(pending)]
            continue
        if not keep(pending + piece[: max(0, min(end + 1, MAX_FIXER_LINE - len(pending)))]):
            break
        last = piece.rfind(b"\n")
        if not _scan(piece, end + 1, last + 1, keep):
            break
        pending = piece[last + 1 : last + 1 + MAX_FIXER_LINE]
    if pending and len(kept) < MAX_FIXER_LINES:
        keep(pending)
    return "\n".join(kept)


def _scan(data: bytes, start: int, stop: int, keep: Callable[[bytes], bool]) -> bool:
    """Offer `keep` the head of each line of `data[start:stop]` (whole lines) holding one of the literals."""
    for begin in _HOLDING_A_LITERAL.starts(data):
        if start <= begin < stop:
            end = data.find(b"\n", begin, stop)
            if not keep(data[begin : min((stop if end < 0 else end + 1), begin + MAX_FIXER_LINE)]):
                return False
    return True


def check_run_notes(gh: GitHubClient, repo: str, job: Job) -> CheckRunNotes | None:
    """The job's check run annotations and output, or None when GitHub will not say (an outage still waits)."""
    try:
        return gh.check_run_notes(repo, job.id)
    except ApiUnavailable:
        raise
    except AgentError:
        return None


def degraded_analysis(
    run: WorkflowRun, job: Job, notes: CheckRunNotes | None, why: str, *, silent_log: bool = False
) -> Analysis:
    """No log, or a log that shows no failure although the job failed (a lost runner's message is only an
    annotation): explain from what the API still says. The failure annotations (and the check run's output)
    are analysed as a log would be; without any, the failed step's name is all there is."""
    step = failed_step_name(job)
    what = "the job log shows no failure" if silent_log else f"the job log is unavailable: {why}"
    note = ExcerptLine(0, f"({what}; explained from the check run and step names)")
    lines = [f"##[error]{a.message}" for a in (notes.annotations if notes else []) if a.level == "failure"]
    lines += [line for text in (notes.output if notes else []) for line in text.splitlines()]
    if lines:
        found = analyze("\n".join(lines))
        if found.failed:
            return replace(found, failing_step=step or found.failing_step, excerpt=[note, *found.excerpt])
    digest, template = signature(
        "unknown", [(3, 0, f"log unavailable: workflow {run.name} job {job.name} step {step}")]
    )
    text = f"job {job.name!r} failed at step {step!r}"
    return Analysis(digest, template, "unknown", step, [note, ExcerptLine(0, text)], None, 0)
