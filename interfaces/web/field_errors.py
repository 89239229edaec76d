"""Errors tied to their field, for every form of the web at once.

Services say what is wrong in Chinese sentences (「请填写办理日期……」, 「「出生日期」应为日期……」) and know
nothing of pages. Rather than teach ~20 templates to place each message, a page that shows an error is read
back once (lxml) and each sentence that names a field of the submitted form — by the field's label, its group's
legend, or the very text typed in it — is written next to that field: ``aria-invalid="true"``,
``aria-describedby`` pointing at the message, ``autofocus`` on the first such field, the summary at the top
linking to it, and what was typed put back into the form. Only pages showing an error pay for this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lxml import html as lxml_html
from lxml.html import HtmlElement

CONTROLS = ".//input|.//select|.//textarea"
SKIPPED_TYPES = {"hidden", "submit", "button", "reset", "image"}
NOT_REFILLED = SKIPPED_TYPES | {"password", "file"}  # secrets and files are never written back into a page
_CUT = re.compile(r"[（(：:*]")
_QUOTED = re.compile(r"「([^「」]+)」")
_STEP_NAME = re.compile(r"「\d+\.\s[^「」]*」")  # 「5. 指定培养联系人」 names a step, not the field 培养联系人
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # lxml refuses these


def _xml(text: str) -> str:
    """Text lxml accepts: typed input may hold control characters (the services refuse them, the page shows why)."""
    return _NOT_XML.sub("", text)


@dataclass
class Target:
    """A control, or a fieldset standing for the controls inside it, with the names a sentence may use."""

    names: list[str]
    element: HtmlElement
    controls: list[HtmlElement]
    sentences: list[str] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    """A message cut into its sentences (lines, then 。), each keeping its full stop."""
    found: list[str] = []
    for line in text.splitlines():
        found += [part.strip() for part in re.findall(r"[^。]+。?", line) if part.strip()]
    return found


def _label_text(label: HtmlElement) -> str:
    """What a label says, without the controls, hints and star inside it, up to the first bracket or colon."""
    parts: list[str] = [label.text or ""]
    for child in label:
        if child.tag not in {"input", "select", "textarea"} and "hint" not in (child.get("class") or "") \
                and "req" not in (child.get("class") or ""):
            parts.append(_label_text(child))
        parts.append(child.tail or "")
    return _CUT.split("".join(parts).strip(), maxsplit=1)[0].strip()


def _control_label(control: HtmlElement, labels: Mapping[str, HtmlElement]) -> str:
    own = labels.get(control.get("id") or "")
    if own is None:
        own = next(control.iterancestors("label"), None)
    return _label_text(own) if own is not None else ""


def _submitted_forms(doc: HtmlElement, path: str) -> list[HtmlElement]:
    """The forms that post to the address the visitor just posted to (one page may hold many forms)."""
    return [form for form in doc.iter("form")
            if (form.get("method") or "get").lower() == "post" and (form.get("action") or path).split("?")[0] == path]


def _targets(forms: Sequence[HtmlElement], labels: Mapping[str, HtmlElement]) -> list[Target]:
    found: list[Target] = []
    for form in forms:
        for control in form.xpath(CONTROLS):
            if (control.get("type") or "").lower() in SKIPPED_TYPES or not control.get("name"):
                continue
            # data-names: other words the services use for the field (「变更日期」 for 「自何日起」)
            names = [n for n in [_control_label(control, labels), *(control.get("data-names") or "").split(",")]
                     if len(n.strip()) >= 2]
            if names:
                found.append(Target([n.strip() for n in names], control, [control]))
        for group in form.iter("fieldset"):
            legend = next(group.iter("legend"), None)
            name = _label_text(legend) if legend is not None else ""
            inside = [c for c in group.xpath(CONTROLS) if (c.get("type") or "").lower() not in SKIPPED_TYPES]
            if len(name) >= 2 and inside:
                found.append(Target([name], group, inside))
    return found


def _value(control: HtmlElement) -> str:
    if control.tag == "textarea":
        return control.text or ""
    if control.tag == "select":
        picked = [o for o in control.iter("option") if o.get("selected") is not None]
        return _option_value(picked[0]) if picked else ""
    return control.get("value") or ""


def _target_of(sentence: str, targets: Sequence[Target]) -> Target | None:
    """The field a sentence names: the longest label it contains (the later one of two, as in 「……，请写明补录原因」),
    else the field whose typed text it quotes."""
    said = _STEP_NAME.sub("", sentence)
    named = [((len(name), said.rfind(name)), t) for t in targets for name in t.names if name in said]
    if named:
        return max(named, key=lambda pair: pair[0])[1]
    quoted = set(_QUOTED.findall(sentence))
    return next((t for t in targets if len(t.controls) == 1 and _value(t.element).strip() in quoted
                 and _value(t.element).strip()), None)


def _refill(forms: Sequence[HtmlElement], typed: Mapping[str, list[str]]) -> None:
    """Put back what was typed, so a refused form never has to be filled in twice."""
    for form in forms:
        for control in form.xpath(CONTROLS):
            name, kind = control.get("name"), (control.get("type") or "").lower()
            if not name or kind in NOT_REFILLED or control.get("disabled") is not None:
                continue  # a disabled field was not sent: what the page shows is what stands
            values = typed.get(name, [])
            if kind == "checkbox":  # an unticked box is simply absent from what was sent
                _set_flag(control, "checked", (control.get("value") or "on") in values)
            elif name not in typed:
                continue
            elif kind == "radio":
                _set_flag(control, "checked", (control.get("value") or "on") in values)
            elif control.tag == "select":
                for option in control.iter("option"):
                    _set_flag(option, "selected", _option_value(option) in values)
            elif control.tag == "textarea":
                control.text = _xml(values[0]) if values else ""
            else:
                control.set("value", _xml(values[0]) if values else "")


def _option_value(option: HtmlElement) -> str:
    value = option.get("value")
    return option.text_content() if value is None else value


def _set_flag(element: HtmlElement, flag: str, on: bool) -> None:
    if on:
        element.set(flag, flag)
    elif flag in element.attrib:
        del element.attrib[flag]


def _element_id(element: HtmlElement, taken: set[str]) -> str:
    if element.get("id"):
        return element.get("id") or ""
    base = "f-" + (_SAFE_ID.sub("-", element.get("name") or element.tag) or "field")
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    element.set("id", candidate)
    return candidate


def _mark(target: Target, message_id: str, taken: set[str]) -> None:
    """Write the message beside the field and point the field at it."""
    note = lxml_html.Element("span", {"class": "field-error", "id": message_id})
    note.text = _xml("".join(target.sentences))
    if target.element.tag == "fieldset":
        legend = next(target.element.iter("legend"), None)
        (legend if legend is not None else target.element[0]).addnext(note)
    else:
        holder = next(target.element.iterancestors("label"), None)
        (holder if holder is not None else target.element).addnext(note)
    for closed in target.element.iterancestors("details"):
        closed.set("open", "")  # a field folded away could be neither seen nor focused
    for control in target.controls:
        _element_id(control, taken)
        control.set("aria-invalid", "true")
        control.set("aria-describedby", " ".join(filter(None, [control.get("aria-describedby"), message_id])))


def _link_refusal(doc: HtmlElement, tied: Mapping[str, str]) -> None:
    """A refusal's list (one rule a line) links each line that belongs to a field, as the summary does."""
    for line in doc.xpath("//*[@role='alert']//li"):
        target = tied.get((line.text or "").strip())
        if target and not len(line):
            link = lxml_html.Element("a", {"href": f"#{target}"})
            link.text, line.text = line.text, ""
            line.append(link)


def _link_summary(doc: HtmlElement, error: str, tied: Mapping[str, str]) -> None:
    """Turn the tied sentences of the top alert into links to their fields; the alert's text stays the same."""
    for alert in doc.xpath("//*[@role='alert'][contains(@class, 'alert-bad')]"):
        if " ".join(alert.text_content().split()) != " ".join(error.split()) or len(alert):
            continue
        text, alert.text = alert.text or "", ""
        previous: HtmlElement | None = None
        for sentence in sentences(text):
            at = text.find(sentence)
            gap, text = text[:at], text[at + len(sentence):]
            if sentence in tied:
                link = lxml_html.Element("a", {"href": f"#{tied[sentence]}"})
                link.text = _xml(sentence)
                _append_text(alert, previous, gap)
                alert.append(link)
                previous = link
            else:
                _append_text(alert, previous, gap + sentence)
        _append_text(alert, previous, text)
        return


def _append_text(parent: HtmlElement, previous: HtmlElement | None, text: str) -> None:
    if previous is None:
        parent.text = (parent.text or "") + _xml(text)
    else:
        previous.tail = (previous.tail or "") + _xml(text)


def tie(page_html: str, path: str, error: str, extra: Iterable[str] = (),
        typed: Mapping[str, list[str]] | None = None) -> str:
    """The page with each sentence of ``error`` (and of ``extra``, e.g. a refusal's verdicts) beside its field.

    ``path`` is the address the form was posted to; only the forms posting there are touched. A page whose
    sentences name no field is returned unchanged.
    """
    doc = lxml_html.document_fromstring(page_html)
    forms = _submitted_forms(doc, path)
    if not forms:
        return page_html
    if typed:
        _refill(forms, typed)
    labels = {label.get("for") or "": label for label in doc.iter("label") if label.get("for")}
    targets = _targets(forms, labels)
    for sentence in [*sentences(error), *extra]:
        target = _target_of(sentence, targets)
        if target is not None and sentence not in target.sentences:  # several rules may miss the same evidence
            target.sentences.append(sentence)
    marked = [t for t in targets if t.sentences]
    if not marked and not typed:
        return page_html
    taken = {e.get("id") or "" for e in doc.iter() if e.get("id")}
    tied: dict[str, str] = {}
    for n, target in enumerate(marked, 1):
        _mark(target, f"field-error-{n}", taken)
        tied.update(dict.fromkeys(target.sentences, target.controls[0].get("id") or ""))
    first = sorted((c for t in marked for c in t.controls), key=lambda c: int(c.sourceline or 0))
    if first:
        for element in doc.xpath("//*[@autofocus]"):
            del element.attrib["autofocus"]
        first[0].set("autofocus", "")  # the browser moves the cursor to the first field to mend
    if error:
        _link_summary(doc, error, tied)
    _link_refusal(doc, tied)
    return lxml_html.tostring(doc, encoding="unicode", doctype="<!doctype html>")
