"""Checking an application's answers against its round's questions: one rule, used by the
step-by-step form (grants/forms.py) and by submission (grants/applications.py)."""

from __future__ import annotations

import re
from datetime import date

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
