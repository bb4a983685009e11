"""Checking an application's answers against its round's questions: one rule, used by the
step-by-step form (grants/forms.py) and by submission (grants/applications.py)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from commonpot import money
from commonpot.i18n import _, format_date, format_money, format_number
from grants import eligibility
from grants.models import Application, Question, QuestionType


def answer_problem(question: Question, value) -> str | None:
    """What is wrong with one stored answer, or None."""
    kind = QuestionType(question.type)
    if kind == QuestionType.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else ([value] if value else [])
        if not values:
            return _("%(question)s: choose at least one option.", question=question.label) \
                if question.required else None
        if any(v not in question.options for v in values):
            return _("%(question)s: choose from the options given.", question=question.label)
        return None
    text = str(value or "").strip()
    if not text:
        if question.required:
            if kind == QuestionType.FILE:
                return _("%(question)s: upload a file.", question=question.label)
            if kind in (QuestionType.SINGLE_CHOICE, QuestionType.YES_NO):
                return _("%(question)s: choose an option.", question=question.label)
            return _("%(question)s: enter an answer.", question=question.label)
        return None
    if kind == QuestionType.LONG_TEXT and question.word_limit:
        words = eligibility.count_words(text)
        if words > question.word_limit:
            return _("%(question)s: use %(limit)d words or fewer (you have %(words)d).",
                     question=question.label, limit=question.word_limit, words=words)
    if kind == QuestionType.SHORT_TEXT and len(text) > 300:
        return _("%(question)s: use 300 characters or fewer.", question=question.label)
    if kind == QuestionType.NUMBER and not re.fullmatch(r"-?\d+(\.\d+)?", text.replace(",", "")):
        return _("%(question)s: enter a number, like 12.", question=question.label)
    if kind == QuestionType.MONEY and money.parse_pounds(text) is None:
        return _("%(question)s: enter an amount in pounds, like 250 or 250.50.",
                 question=question.label)
    if kind == QuestionType.DATE:
        try:
            date.fromisoformat(text)
        except ValueError:
            return _("%(question)s: enter a real date, like 2027-03-31.", question=question.label)
    if kind == QuestionType.SINGLE_CHOICE and text not in question.options:
        return _("%(question)s: choose from the options given.", question=question.label)
    if kind == QuestionType.YES_NO and text not in ("yes", "no"):
        return _("%(question)s: choose yes or no.", question=question.label)
    return None


def question_problems(application: Application) -> dict[str, str]:
    answers = application.answers or {}
    problems = {}
    for question in application.round.questions:
        problem = answer_problem(question, answers.get(question.key))
        if problem:
            problems[question.key] = problem
    return problems


def answer_text(question: Question, value) -> str:
    """A stored answer as the reader sees it: dates, amounts and numbers formatted for their
    language, yes or no in words. An answer that does not parse is shown exactly as typed."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value or "").strip()
    if not text:
        return ""
    kind = QuestionType(question.type)
    if kind == QuestionType.YES_NO and text in ("yes", "no"):
        return _("Yes") if text == "yes" else _("No")
    if kind == QuestionType.MONEY:
        return typed_money(text)
    if kind == QuestionType.DATE:
        try:
            return format_date(date.fromisoformat(text))
        except ValueError:
            return text
    if kind == QuestionType.NUMBER and re.fullmatch(r"-?\d+(\.\d+)?", text.replace(",", "")):
        return format_number(Decimal(text.replace(",", "")))
    return text


def typed_money(text) -> str:
    """An amount typed in pounds ('1200', '250.50'), formatted as money; as typed if it does
    not parse."""
    pence = money.parse_pounds(str(text or ""))
    return format_money(pence) if pence is not None else str(text or "")
