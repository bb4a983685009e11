"""Checking an application's answers against its round's questions: one rule, used by the
step-by-step form (grants/forms.py) and by submission (grants/applications.py)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from commonpot import money
from grants import eligibility
from grants.models import Application, Question, QuestionType


def answer_problem(question: Question, value) -> str | None:
    """What is wrong with one stored answer, or None."""
    kind = QuestionType(question.type)
    if kind == QuestionType.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else ([value] if value else [])
        if not values:
            return f"{question.label}: choose at least one option." if question.required else None
        if any(v not in question.options for v in values):
            return f"{question.label}: choose from the options given."
        return None
    text = str(value or "").strip()
    if not text:
        if question.required:
            if kind == QuestionType.FILE:
                return f"{question.label}: upload a file."
            if kind in (QuestionType.SINGLE_CHOICE, QuestionType.YES_NO):
                return f"{question.label}: choose an option."
            return f"{question.label}: enter an answer."
        return None
    if kind == QuestionType.LONG_TEXT and question.word_limit:
        words = eligibility.count_words(text)
        if words > question.word_limit:
            return (f"{question.label}: use {question.word_limit} words or fewer "
                    f"(you have {words}).")
    if kind == QuestionType.SHORT_TEXT and len(text) > 300:
        return f"{question.label}: use 300 characters or fewer."
    if kind == QuestionType.NUMBER and not re.fullmatch(r"-?\d+(\.\d+)?", text.replace(",", "")):
        return f"{question.label}: enter a number, like 12."
    if kind == QuestionType.MONEY and money.parse_pounds(text) is None:
        return f"{question.label}: enter an amount in pounds, like 250 or 250.50."
    if kind == QuestionType.DATE:
        try:
            date.fromisoformat(text)
        except ValueError:
            return f"{question.label}: enter a real date, like 2027-03-31."
    if kind == QuestionType.SINGLE_CHOICE and text not in question.options:
        return f"{question.label}: choose from the options given."
    if kind == QuestionType.YES_NO and text not in ("yes", "no"):
        return f"{question.label}: choose yes or no."
    return None


def question_problems(application: Application) -> dict[str, str]:
    answers = application.answers or {}
    problems = {}
    for question in application.round.questions:
        problem = answer_problem(question, answers.get(question.key))
        if problem:
            problems[question.key] = problem
    return problems


def shown_amount(text) -> str:
    """An amount as typed ('1200', '£1,200.5'), read back as money ('£1,200'); what was typed
    when it is not an amount (a draft keeps anything)."""
    pence = money.parse_pounds(text)
    return money.format_pence(pence) if pence is not None else str(text or "")


def shown_answer(question: Question, value) -> str:
    """An answer as the person reads it back on 'check your answers' and on the
    application: money as money, numbers with separators, dates in words, Yes or No.
    An answer that does not parse (a draft) is shown exactly as typed."""
    kind = QuestionType(question.type)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value or "").strip()
    if not text:
        return ""
    if kind == QuestionType.MONEY:
        return shown_amount(text)
    if kind == QuestionType.NUMBER:
        cleaned = text.replace(",", "")
        if re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
            return format(Decimal(cleaned), ",")
        return text
    if kind == QuestionType.DATE:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        return f"{day.day} {day.strftime('%B %Y')}"
    if kind == QuestionType.YES_NO:
        return {"yes": "Yes", "no": "No"}.get(text, text)
    return text
