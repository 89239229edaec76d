"""Inline SVG drawn on the server: the dashboard's bar chart and the procedure diagram.

No script and no style attributes (the pages' Content-Security-Policy forbids inline styles): colours come
from classes in ``fazhan.css``.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from interfaces.web.scope import COMMITTEE_ACTORS
from states.procedure import PROCEDURE, StepSpec
from states.steps import Role, Stage, Status, Step

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 26, 10, 120, 560


def status_bars(counts: dict[Status, int]) -> Markup:
    """A horizontal bar per status: bars stay readable on a phone, where columns would be cramped."""
    rows = list(counts.items())
    longest = max([n for _, n in rows] + [1])
    height = len(rows) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    room = CHART_WIDTH - LABEL_WIDTH - 48
    parts = [f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-labelledby="chart-title">',
             '<title id="chart-title">各状态人数</title>']
    for i, (status, count) in enumerate(rows):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        width = round(room * count / longest) if count else 0
        middle = y + BAR_HEIGHT / 2 + 5
        parts += [
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end">{escape(status.label)}</text>',
            f'<rect class="bar bar-{status.value}" x="{LABEL_WIDTH}" y="{y}" width="{max(width, 2)}" height="{BAR_HEIGHT}" rx="3"/>',
            f'<text class="chart-count" x="{LABEL_WIDTH + width + 8}" y="{middle}">{count}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


COLUMN, BOX_W, BOX_H, ROW, TOP = 232, 200, 48, 70, 44
SHORT_ACTORS = {
    Role.APPLICANT: "本人（党支部登记）", Role.BRANCH: "党支部", Role.BRANCH_COMMITTEE: "支部委员会",
    Role.BRANCH_GENERAL_MEETING: "支部党员大会", Role.HIGHER_COMMITTEE: "上级党委",
    Role.HIGHER_ORGANISATION_DEPARTMENT: "再上一级党委组织部门",
}


def diagram_steps() -> dict[Stage, list[StepSpec]]:
    """The steps drawn in each stage column: the 25 of the main line and the 公示 the 2026 revision added."""
    columns: dict[Stage, list[StepSpec]] = {stage: [] for stage in Stage}
    for spec in PROCEDURE:
        if spec.number is not None or spec.step is Step.CANDIDATE_PUBLICISED:
            columns[spec.stage].append(spec)
    return columns


def _edge(source: tuple[int, int, int], target: tuple[int, int, int]) -> str:
    """A path from one box to another: across columns left to right, or down within a column."""
    (sc, sx, sy), (tc, tx, ty) = source, target
    if sc != tc:
        x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, tx, ty + BOX_H / 2
        bend = (x2 - x1) / 2
        return f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2 - 4},{y2}"
    if ty - sy == ROW:
        return f"M{sx + BOX_W / 2},{sy + BOX_H} L{tx + BOX_W / 2},{ty - 4}"
    x = sx + BOX_W
    return f"M{x},{sy + BOX_H / 2} C{x + 26},{sy + BOX_H / 2} {x + 26},{ty + BOX_H / 2} {x + 4},{ty + BOX_H / 2}"


def procedure_diagram() -> Markup:
    """The 5 stages as columns, each step a box, an arrow for every "after" link in the table."""
    columns = diagram_steps()
    place: dict[object, tuple[int, int, int]] = {}
    for c, stage in enumerate(Stage):
        for r, spec in enumerate(columns[stage]):
            place[spec.step] = (c, 12 + c * COLUMN, TOP + r * ROW)
    height = TOP + max(len(specs) for specs in columns.values()) * ROW + 10
    width = len(Stage) * COLUMN + 10
    parts = [f'<svg class="diagram" viewBox="0 0 {width} {height}" role="group" aria-labelledby="diagram-title">',
             '<title id="diagram-title">发展党员流程图（5个阶段、25个步骤）</title>',
             '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrow-head"/></marker></defs>']
    for c, stage in enumerate(Stage):
        parts.append(f'<text class="stage-title" x="{12 + c * COLUMN}" y="24">{stage.number}、{escape(stage.label)}</text>')
    for spec in PROCEDURE:
        for before in spec.after:
            if spec.step in place and before in place:
                parts.append(f'<path class="edge" d="{_edge(place[before], place[spec.step])}" marker-end="url(#arrow)"/>')
    for spec in PROCEDURE:
        if spec.step not in place:
            continue
        _, x, y = place[spec.step]
        level = "committee" if spec.actor in COMMITTEE_ACTORS else "branch"
        parts += [
            f'<a href="#step-{spec.step.value}"><rect class="box box-{level}" x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="6"/>',
            f'<text class="box-title" x="{x + 10}" y="{y + 20}">{escape(spec.label)}</text>',
            f'<text class="box-actor" x="{x + 10}" y="{y + 38}">{escape(SHORT_ACTORS[spec.actor])}</text></a>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
